import { checkPluginExports, createPlugin, createRegistry, type LoadedPlugin, type NodeTypeRegistry } from '@nexusflow/engine';
import type { ValidationIssue } from '@nexusflow/schemas';
import type { StoredPlugin } from '../../store/types.js';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';

const PLUGINS = '/workspaces/:workspaceId/plugins';

interface PluginUploadBody {
  manifest: Record<string, unknown>;
  code: string;
  enabled?: boolean;
}

/** Where an issue sits in the upload body: bundle problems point at `/code`, the rest into `/manifest`. */
function bodyPointer(issue: ValidationIssue, bundleIssue: boolean): string {
  return bundleIssue && issue.pointer === '/main' ? '/code' : `/manifest${issue.pointer}`;
}

function pluginInvalid(issues: readonly ValidationIssue[], fromBundle: (issue: ValidationIssue) => boolean): ApiError {
  const details = issues.map((i) => ({ pointer: bodyPointer(i, fromBundle(i)), message: i.message, code: i.code }));
  return new ApiError(400, 'plugin_invalid', `the plugin has ${details.length} problem${details.length === 1 ? '' : 's'}: ${details.map((d) => `${d.pointer} ${d.message}`).join('; ')}`, details);
}

const presentStored = (p: Omit<StoredPlugin, 'code'>) => ({
  id: p.id,
  name: p.name,
  version: p.version,
  description: p.manifest.description ?? '',
  builtIn: false,
  enabled: p.enabled,
  codeHash: p.codeHash,
  nodeTypes: p.manifest.nodes.map((n) => n.type),
  // The editor checks flows in the browser against the same manifests.
  manifest: p.manifest,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

const presentBuiltIn = (p: LoadedPlugin) => ({
  name: p.manifest.name,
  version: p.manifest.version,
  description: p.manifest.description ?? '',
  builtIn: true,
  enabled: true,
  codeHash: p.code.codeHash,
  nodeTypes: p.manifest.nodes.map((n) => n.type),
  manifest: p.manifest,
});

/** The plugins a registry was built from, one per name. */
function pluginsOf(registry: NodeTypeRegistry): LoadedPlugin[] {
  const names = new Set(registry.types().map((type) => type.split('/')[0] ?? ''));
  return [...names].flatMap((name) => registry.plugin(name) ?? []);
}

export const pluginRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: PLUGINS,
    summary: 'Plugins of the workspace: the built-in ones and those uploaded',
    tag: 'plugins',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId }) {
      const stored = await ctx.store.plugins.list(workspaceId);
      const storedNames = new Set(stored.map((p) => p.name));
      const builtIn = pluginsOf(await ctx.host.registries.forWorkspace(workspaceId)).filter((p) => !storedNames.has(p.manifest.name));
      return { items: [...builtIn.map(presentBuiltIn), ...stored.map(presentStored)] };
    },
  },
  {
    method: 'post',
    path: PLUGINS,
    summary: 'Upload a built plugin (plugin.json and its bundle); the same name replaces the bundle',
    tag: 'plugins',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'PluginUpload',
    bodyLimit: '6mb',
    status: 201,
    async handle({ ctx, workspaceId, body, res }) {
      const input = body as PluginUploadBody;
      const name = input.manifest.name;
      if (name === 'core') throw new ApiError(403, 'forbidden', 'the name "core" is reserved for the built-in plugin; give your plugin its own name', [{ pointer: '/manifest/name', message: 'reserved' }]);
      const created = createPlugin({ manifest: input.manifest, code: input.code });
      if (!created.ok) throw pluginInvalid(created.issues, (i) => i.code === 'plugin_too_large');
      const plugin = created.value;
      const registry = await ctx.host.registries.forWorkspace(workspaceId);
      const existing = await ctx.store.plugins.get(workspaceId, plugin.manifest.name);
      if (existing === undefined && registry.plugin(plugin.manifest.name) !== undefined) {
        throw new ApiError(403, 'forbidden', `"${plugin.manifest.name}" is a built-in plugin of this server; give your plugin its own name`, [{ pointer: '/manifest/name', message: 'reserved' }]);
      }
      const exportIssues = await checkPluginExports(plugin, ctx.host.sandbox);
      if (exportIssues.length > 0) throw pluginInvalid(exportIssues, () => true);
      // The workspace must still build a registry with it (no node type declared twice).
      try {
        createRegistry({ plugins: [...pluginsOf(registry).filter((p) => p.manifest.name !== plugin.manifest.name), plugin] });
      } catch (error) {
        throw new ApiError(409, 'conflict', `the plugin clashes with the workspace's other plugins: ${(error as Error).message}`);
      }
      let stored = await ctx.store.plugins.put(workspaceId, {
        name: plugin.manifest.name,
        version: plugin.manifest.version,
        manifest: plugin.manifest,
        code: input.code,
        codeHash: plugin.code.codeHash,
      });
      const enabled = input.enabled ?? (existing === undefined ? true : existing.enabled);
      if (stored.enabled !== enabled) stored = (await ctx.store.plugins.setEnabled(workspaceId, stored.name, enabled)) ?? stored;
      ctx.cluster.bus.announce({ type: 'plugins.changed', workspaceId });
      if (existing === undefined) return presentStored(stored);
      res.status(200).json(presentStored(stored));
      return undefined;
    },
  },
  {
    method: 'patch',
    path: `${PLUGINS}/:name`,
    summary: 'Enable or disable an uploaded plugin',
    tag: 'plugins',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'PluginUpdate',
    async handle({ ctx, workspaceId, params, body }) {
      const name = params.name ?? '';
      const updated = await ctx.store.plugins.setEnabled(workspaceId, name, (body as { enabled: boolean }).enabled);
      if (updated === undefined) throw notFound(`plugin "${name}"`);
      ctx.cluster.bus.announce({ type: 'plugins.changed', workspaceId });
      return presentStored(updated);
    },
  },
  {
    method: 'delete',
    path: `${PLUGINS}/:name`,
    summary: 'Remove an uploaded plugin (flows that use it stop validating)',
    tag: 'plugins',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params }) {
      const name = params.name ?? '';
      if (!(await ctx.store.plugins.delete(workspaceId, name))) throw notFound(`plugin "${name}"`);
      ctx.cluster.bus.announce({ type: 'plugins.changed', workspaceId });
      return undefined;
    },
  },
];
