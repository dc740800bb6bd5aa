import { appendPointer, type FlowDocument, type ValidationIssue } from '@nexusflow/schemas';
import type { NodeTypeRegistry } from '../plugins/types.js';
import type { FlowCheckOptions } from './check-flow.js';
import { TRIGGER as TRIGGER_TYPE } from '../nodes/native-types.js';

/** What the edge checks need to know about the nodes. */
export interface NodeFacts {
  /** Index of the first node with each id. */
  indexById: Map<string, number>;
  /** Output ports of each node without `error`; `undefined` when its type is unknown or its config invalid. */
  ports: (ReadonlySet<string> | undefined)[];
}

/** Node ids, types, configs and templates, and the one trigger. */
export function checkNodes(flow: FlowDocument, options: FlowCheckOptions): { issues: ValidationIssue[]; facts: NodeFacts } {
  const { registry, checkTemplates } = options;
  const issues: ValidationIssue[] = [];
  const indexById = new Map<string, number>();
  const ports: (ReadonlySet<string> | undefined)[] = [];
  const describeUnknown = unknownTypeDescriber(registry);

  flow.nodes.forEach((node, i) => {
    const at = `/nodes/${i}`;
    const first = indexById.get(node.id);
    if (first === undefined) indexById.set(node.id, i);
    else {
      issues.push({
        code: 'duplicate_node_id',
        pointer: `${at}/id`,
        message: `node id "${node.id}" is already used by /nodes/${first}; give every node its own id`,
      });
    }
    const info = registry.get(node.type);
    if (info === undefined) {
      issues.push({ code: 'unknown_node_type', pointer: `${at}/type`, message: describeUnknown(node.type) });
      ports.push(undefined);
      return;
    }
    const configIssues = info.validateConfig(node.config, `${at}/config`);
    issues.push(...configIssues);
    ports.push(configIssues.length === 0 ? new Set(info.ports(node.config)) : undefined);
    if (checkTemplates === undefined) return;
    const raw = new Set(info.rawConfigKeys ?? []);
    for (const key of Object.keys(node.config)) {
      if (!raw.has(key)) issues.push(...checkTemplates(node.config[key], appendPointer(`${at}/config`, key)));
    }
  });
  issues.push(...checkTrigger(flow));
  return { issues, facts: { indexById, ports } };
}

function checkTrigger(flow: FlowDocument): ValidationIssue[] {
  const triggers: number[] = [];
  flow.nodes.forEach((node, i) => {
    if (node.type === TRIGGER_TYPE) triggers.push(i);
  });
  const [first, ...extra] = triggers;
  if (first === undefined) {
    return [
      {
        code: 'missing_trigger',
        pointer: '/nodes',
        message: `the flow has no ${TRIGGER_TYPE} node; add one where conversations start and connect it to the first step`,
      },
    ];
  }
  const firstId = flow.nodes[first]?.id ?? '';
  return extra.map((i) => ({
    code: 'extra_trigger',
    pointer: `/nodes/${i}`,
    message: `a flow has exactly one ${TRIGGER_TYPE} and "${firstId}" (/nodes/${first}) is already one; remove this node or change its type`,
  }));
}

/** Says which plugin would provide an unknown type, and what that plugin offers if installed. */
function unknownTypeDescriber(registry: NodeTypeRegistry): (type: string) => string {
  let known: string[] | undefined;
  return (type) => {
    const pluginName = type.slice(0, type.indexOf('/'));
    known ??= registry.types();
    const offered = known.filter((t) => t.startsWith(`${pluginName}/`));
    const plugin = registry.plugin(pluginName);
    if (plugin === undefined && offered.length === 0) {
      return `unknown node type "${type}": it would come from plugin "${pluginName}", which is not installed; install the plugin or remove the node`;
    }
    const version = plugin === undefined ? '' : ` ${plugin.manifest.version}`;
    const listed = offered.length > 20 ? `${offered.slice(0, 20).join(', ')}, …` : offered.join(', ');
    return `unknown node type "${type}": plugin "${pluginName}"${version} has no such node type (it has ${listed || 'none'}); pick one of those or update the plugin`;
  };
}
