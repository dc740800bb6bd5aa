import { createPlugin, createRegistry, type LoadedPlugin, type NodeTypeRegistry } from '@nexusflow/engine';
import type { Store } from '../store/types.js';

/**
 * The node types each workspace can use: the core plugin plus the workspace's enabled plugins.
 * Registries are cached per workspace and dropped when its plugins change.
 */
export interface PluginRegistries {
  core: LoadedPlugin;
  forWorkspace(workspaceId: string): Promise<NodeTypeRegistry>;
  invalidate(workspaceId: string): void;
  invalidateAll(): void;
}

export function createPluginRegistries(deps: { store: Store; core: LoadedPlugin; extra?: LoadedPlugin[] }): PluginRegistries {
  const cache = new Map<string, Promise<NodeTypeRegistry>>();

  async function build(workspaceId: string): Promise<NodeTypeRegistry> {
    const plugins: LoadedPlugin[] = [deps.core, ...(deps.extra ?? [])];
    for (const info of await deps.store.plugins.list(workspaceId)) {
      if (!info.enabled) continue;
      const stored = await deps.store.plugins.get(workspaceId, info.name);
      if (stored === undefined) continue;
      // Stored plugins were checked at upload; a bundle that no longer loads is left out, not fatal.
      const loaded = createPlugin({ manifest: stored.manifest, code: stored.code });
      if (loaded.ok) plugins.push(loaded.value);
    }
    return createRegistry({ plugins });
  }

  return {
    core: deps.core,
    forWorkspace(workspaceId) {
      let registry = cache.get(workspaceId);
      if (registry === undefined) {
        registry = build(workspaceId);
        cache.set(workspaceId, registry);
        registry.catch(() => cache.delete(workspaceId));
      }
      return registry;
    },
    invalidate(workspaceId) {
      cache.delete(workspaceId);
    },
    invalidateAll() {
      cache.clear();
    },
  };
}
