import type { PluginInfo } from '../../api/index.js';

/** A node type of a plugin with the title its manifest gives it. */
export function nodeTypesOf(plugin: PluginInfo): { type: string; title: string }[] {
  const titles = new Map(plugin.manifest.nodes.map((node) => [node.type, node.title]));
  return plugin.nodeTypes.map((type) => ({ type, title: titles.get(type) ?? type }));
}

export interface PluginTableProps {
  plugins: readonly PluginInfo[];
  /** Whether the person may enable, disable and delete uploaded plugins (admins and owners). */
  canManage: boolean;
  /** The plugin whose enable/disable is running. */
  toggling: string | undefined;
  onToggle: (plugin: PluginInfo) => void;
  onDelete: (plugin: PluginInfo) => void;
}

/** The plugins of the workspace with their node types; uploaded ones can be switched off or deleted. */
export function PluginTable({ plugins, canManage, toggling, onToggle, onDelete }: PluginTableProps) {
  return (
    <table className="table plugins-table" data-testid="plugins-list">
      <caption className="visually-hidden">Installed plugins</caption>
      <thead>
        <tr>
          <th scope="col">Plugin</th>
          <th scope="col">Version</th>
          <th scope="col">Source</th>
          <th scope="col">Status</th>
          <th scope="col">Node types</th>
          {canManage && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {plugins.map((plugin) => (
          <tr key={plugin.name} data-testid={`plugin-row-${plugin.name}`} className={plugin.enabled ? undefined : 'is-disabled'}>
            <th scope="row">
              <span className="plugin-name">{plugin.name}</span>
              {plugin.description !== '' && <span className="plugin-description">{plugin.description}</span>}
            </th>
            <td>
              <code>{plugin.version}</code>
            </td>
            <td>{plugin.builtIn ? <span className="badge">Built-in</span> : <span className="badge badge-accent">Uploaded</span>}</td>
            <td data-testid={`plugin-status-${plugin.name}`}>{plugin.enabled ? <span className="badge badge-enabled">Enabled</span> : <span className="badge badge-muted">Disabled</span>}</td>
            <td>
              <ul className="plugin-node-types">
                {nodeTypesOf(plugin).map((node) => (
                  <li key={node.type}>
                    {node.title} <code>{node.type}</code>
                  </li>
                ))}
              </ul>
            </td>
            {canManage && (
              <td className="row-actions">
                {!plugin.builtIn && (
                  <>
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => onToggle(plugin)}
                      disabled={toggling === plugin.name}
                      aria-label={`${plugin.enabled ? 'Disable' : 'Enable'} ${plugin.name}`}
                      data-testid={`plugin-toggle-${plugin.name}`}
                    >
                      {toggling === plugin.name ? 'Saving…' : plugin.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" className="button button-small button-danger" onClick={() => onDelete(plugin)} aria-label={`Delete ${plugin.name}`} data-testid={`plugin-delete-${plugin.name}`}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
