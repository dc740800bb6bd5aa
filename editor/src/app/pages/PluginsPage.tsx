import { useState } from 'react';
import { useDeletePlugin, useMe, usePlugins, useSetPluginEnabled, type PluginInfo } from '../../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { QueryStatus } from '../components/ListParts.js';
import { PluginTable, nodeTypesOf } from '../plugins/PluginTable.js';
import { PluginUpload } from '../plugins/PluginUpload.js';
import '../plugins/plugins.css';

/** The workspace's plugins: built-in and uploaded, with upload, enable/disable and delete for admins. */
export function PluginsPage({ ws }: { ws: string }) {
  const me = useMe();
  const plugins = usePlugins(ws);
  const setEnabled = useSetPluginEnabled(ws);
  const remove = useDeletePlugin(ws);
  const [deleting, setDeleting] = useState<PluginInfo | undefined>(undefined);
  const role = me.data?.workspaces.find((w) => w.id === ws)?.role;
  const canManage = role === 'owner' || role === 'admin';
  const toggled = setEnabled.variables;

  return (
    <div className="page plugins-page" data-testid="plugins-page">
      <div className="page-header">
        <h1>Plugins</h1>
      </div>
      <p className="muted page-intro">
        Plugins add node types to the palette. Each node runs in a sandbox and reaches only what its manifest declares. Start one with <code>npx nexusflow plugin new</code>; <code>npx nexusflow plugin build</code> makes the files to upload here.
      </p>

      {canManage && <PluginUpload ws={ws} />}
      {role !== undefined && !canManage && <p className="notice">Only admins and owners of this workspace can upload, disable or delete plugins.</p>}

      <section aria-labelledby="plugins-installed">
        <h2 id="plugins-installed">Installed</h2>
        {setEnabled.error !== null && toggled !== undefined && (
          <ErrorNotice error={setEnabled.error} title={`${toggled.name} was not ${toggled.enabled ? 'enabled' : 'disabled'}`} testId="plugin-toggle-error" />
        )}
        <QueryStatus query={plugins} loading="Loading plugins…" errorTitle="The plugins could not be loaded" />
        {plugins.data !== undefined && plugins.data.length === 0 && <p className="empty">No plugins are installed.</p>}
        {plugins.data !== undefined && plugins.data.length > 0 && (
          <PluginTable
            plugins={plugins.data}
            canManage={canManage}
            toggling={setEnabled.isPending ? toggled?.name : undefined}
            onToggle={(plugin) => setEnabled.mutate({ name: plugin.name, enabled: !plugin.enabled })}
            onDelete={(plugin) => {
              remove.reset();
              setDeleting(plugin);
            }}
          />
        )}
      </section>

      {deleting !== undefined && (
        <ConfirmDialog
          title={`Delete the plugin "${deleting.name}"?`}
          message={
            <p>
              Its node types ({nodeTypesOf(deleting).map((n) => n.title).join(', ')}) leave the palette, and flows that use them stop validating until the plugin is uploaded again.
            </p>
          }
          confirmLabel="Delete plugin"
          danger
          busy={remove.isPending}
          error={remove.error ?? undefined}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => remove.mutate(deleting.name, { onSuccess: () => setDeleting(undefined) })}
        />
      )}
    </div>
  );
}
