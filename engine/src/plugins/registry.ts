import { compileConfigValidator, type NodeManifest } from '@nexusflow/schemas';
import { NexusError } from '../errors.js';
import { nativeNodeTypes } from '../nodes/native-types.js';
import type { LoadedPlugin, NodeTypeInfo, NodeTypeRegistry } from './types.js';

function pluginNodeType(plugin: LoadedPlugin, manifest: NodeManifest): NodeTypeInfo {
  const ports = [...manifest.ports];
  const raw = (manifest.config as { 'x-raw-keys'?: unknown })['x-raw-keys'];
  const info: NodeTypeInfo = {
    type: manifest.type,
    kind: 'plugin',
    ports: () => ports,
    validateConfig: compileConfigValidator(manifest.config),
    manifest,
    plugin,
  };
  if (Array.isArray(raw)) info.rawConfigKeys = raw.filter((k): k is string => typeof k === 'string');
  return info;
}

/**
 * The node types a runtime knows: the engine-native ones plus those of the given plugins.
 * A type that is not here does not exist, at import and at run time (no fallback path runs it).
 *
 * @example
 * const registry = createRegistry({ plugins: [corePlugin, acmePlugin] });
 * registry.get('acme/sentiment')?.ports({});
 */
export function createRegistry(options: { plugins?: readonly LoadedPlugin[] } = {}): NodeTypeRegistry {
  const types = nativeNodeTypes();
  const plugins = new Map<string, LoadedPlugin>();
  for (const plugin of options.plugins ?? []) {
    const name = plugin.manifest.name;
    if (plugins.has(name)) throw new NexusError('plugin_invalid', `plugin "${name}" is registered twice; load it once`);
    plugins.set(name, plugin);
    for (const node of plugin.manifest.nodes) {
      if (types.has(node.type)) {
        throw new NexusError('plugin_invalid', `plugin "${name}" declares node type "${node.type}", which already exists`);
      }
      types.set(node.type, pluginNodeType(plugin, node));
    }
  }
  return {
    get: (type) => types.get(type),
    types: () => [...types.keys()],
    plugin: (name) => plugins.get(name),
  };
}
