import { validateFlowDocument, type FlowDocument, type ValidationIssue, type Validated } from '@nexusflow/schemas';
import type { NodeTypeRegistry } from '../plugins/types.js';
import { checkEdges } from './check-edges.js';
import { checkNodes } from './check-nodes.js';
import { checkPlugins } from './check-plugins.js';
import { findCycles } from './find-cycles.js';
import { WAIT as WAIT_TYPE } from '../nodes/native-types.js';

export interface FlowCheckOptions {
  /** The node types and plugins the flow may use; anything else is unknown. */
  registry: NodeTypeRegistry;
  /** Checks the `{{ }}` templates in one config value; config keys the type marks raw are skipped. */
  checkTemplates?: (value: unknown, pointer: string) => ValidationIssue[];
}

const MAX_CYCLE_IDS_SHOWN = 12;

/**
 * Validates a flow document completely: its shape (`validateFlowDocument`; nothing more is
 * checked when that fails), then the graph: duplicate ids, edges to missing nodes or ports, two
 * edges from one port, exactly one `core/trigger`, cycles without a `core/wait`, unknown node
 * types, unmet `plugins` ranges, each node's config against its type, and (with `checkTemplates`)
 * its templates. Every problem is reported with its JSON pointer and a sentence.
 *
 * @example
 * const result = checkFlow(JSON.parse(text), { registry });
 * if (!result.ok) return { status: 422, issues: result.issues };
 */
export function checkFlow(doc: unknown, options: FlowCheckOptions): Validated<FlowDocument> {
  const shaped = validateFlowDocument(doc);
  if (!shaped.ok) return shaped;
  const flow = shaped.value;
  const nodes = checkNodes(flow, options);
  const edges = checkEdges(flow, nodes.facts);
  const issues = [
    ...checkPlugins(flow, options.registry),
    ...nodes.issues,
    ...edges.issues,
    ...checkCycles(flow, edges.broken),
  ];
  return issues.length === 0 ? { ok: true, value: flow } : { ok: false, issues };
}

function checkCycles(flow: FlowDocument, brokenEdges: ReadonlySet<number>): ValidationIssue[] {
  return findCycles(flow, (type) => type === WAIT_TYPE, brokenEdges).map(({ nodeIds, closingEdge }) => ({
    code: 'flow_cycle_without_wait',
    pointer: `/edges/${closingEdge}`,
    message: `cycle ${showCycle(nodeIds)} has no ${WAIT_TYPE}; add a ${WAIT_TYPE} on it so the flow waits for the next message`,
  }));
}

function showCycle(ids: readonly string[]): string {
  if (ids.length <= MAX_CYCLE_IDS_SHOWN) return ids.join(' → ');
  const half = MAX_CYCLE_IDS_SHOWN / 2;
  const hidden = ids.length - MAX_CYCLE_IDS_SHOWN;
  return [...ids.slice(0, half), `… (${hidden} more)`, ...ids.slice(-half)].join(' → ');
}
