import type { ValidationIssue } from '@nexusflow/schemas';
import type { SandboxCode } from '../sandbox/types.js';
import type { LoadedPlugin } from './types.js';

/** The part of the sandbox pool that can list what a bundle exports. */
export interface ExportLister {
  listExports(code: SandboxCode): Promise<string[]>;
}

/**
 * Compares the node types a bundle exports (evaluated in an isolate, never on the host) with the
 * types its manifest declares. Both directions are problems: a declared type without code fails
 * every run, and code without a declaration has no ports, schema or limits.
 */
export async function checkPluginExports(plugin: LoadedPlugin, sandbox: ExportLister): Promise<ValidationIssue[]> {
  let exported: string[];
  try {
    exported = await sandbox.listExports(plugin.code);
  } catch (error) {
    return [{ code: 'plugin_invalid', pointer: '/main', message: `the bundle could not be evaluated: ${(error as Error).message}` }];
  }
  const declared = plugin.manifest.nodes.map((n) => n.type);
  const issues: ValidationIssue[] = [];
  declared.forEach((type, index) => {
    if (!exported.includes(type)) {
      issues.push({
        code: 'node_not_exported',
        pointer: `/nodes/${index}/type`,
        message: `plugin.json declares ${type}, but the bundle does not export it; add it to definePlugin({ nodes: { ... } })`,
      });
    }
  });
  for (const type of exported) {
    if (!declared.includes(type)) {
      issues.push({
        code: 'node_not_declared',
        pointer: '/nodes',
        message: `the bundle exports ${type}, which plugin.json does not declare; declare it with its ports and config, or remove it`,
      });
    }
  }
  return issues;
}
