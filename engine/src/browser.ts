/**
 * The part of the engine that runs in a browser: the same flow checks the server runs (schema,
 * graph, node configs, templates and expressions), over a registry built from plugin manifests
 * alone. No sandbox, no file system, no plugin code.
 */
import type { PluginManifest } from '@nexusflow/schemas';
import { createRegistry } from './plugins/registry.js';
import type { NodeTypeRegistry } from './plugins/types.js';

export { checkFlow } from './validate/check-flow.js';
export { checkTemplates } from './expressions/check-templates.js';
export type { FlowCheckOptions } from './validate/check-flow.js';
export type { NodeTypeInfo, NodeTypeRegistry } from './plugins/types.js';

/**
 * A registry for checking flows from the manifests the server reports (`GET …/plugins`).
 *
 * @example
 * const registry = registryFromManifests(plugins.map((p) => p.manifest));
 * const checked = checkFlow(doc, { registry, checkTemplates });
 */
export function registryFromManifests(manifests: readonly PluginManifest[]): NodeTypeRegistry {
  return createRegistry({ plugins: manifests.map((manifest) => ({ manifest, code: { pluginName: manifest.name, codeHash: '', code: '' } })) });
}
