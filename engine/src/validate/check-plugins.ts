import { satisfies, validRange } from 'semver';
import type { FlowDocument, ValidationIssue } from '@nexusflow/schemas';
import type { NodeTypeRegistry } from '../plugins/types.js';

/** Each plugin the flow names in `plugins` is installed in a version its range accepts. */
export function checkPlugins(flow: FlowDocument, registry: NodeTypeRegistry): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [name, range] of Object.entries(flow.plugins ?? {})) {
    const pointer = `/plugins/${name}`;
    const plugin = registry.plugin(name);
    if (validRange(range) === null) {
      issues.push({
        code: 'invalid_plugin_range',
        pointer,
        message: `"${range}" is not a semver range; write one like "^1.0.0"`,
      });
    } else if (plugin === undefined) {
      issues.push({
        code: 'plugin_not_installed',
        pointer,
        message: `plugin "${name}" is not installed; install a version matching "${range}" or remove it from "plugins"`,
      });
    } else if (!satisfies(plugin.manifest.version, range)) {
      issues.push({
        code: 'plugin_version_unmet',
        pointer,
        message: `plugin "${name}" ${plugin.manifest.version} is installed, which does not satisfy "${range}"; install a matching version or change the range`,
      });
    }
  }
  return issues;
}
