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
 * Validates a flow document completely: its shape (`validateFlowDocument`), then the graph: duplicate ids, edges to missing nodes or ports, two
 * edges from one port, exactly one `core/trigger`, cycles without a `core/wait`, unknown node
 * types, unmet `plugins` ranges, each node's config against its type, and (with `checkTemplates`)
 * its templates. Every problem is reported with its JSON pointer and a sentence. When the shape
 * has problems, the graph is still checked as long as every node and edge has the string fields the
 * graph rules read, so one pass lists a bad id and a dangling edge together.
 *
 * @example
 * const result = checkFlow(JSON.parse(text), { registry });
 * if (!result.ok) return { status: 422, issues: result.issues };
 */
export function checkFlow(doc: unknown, options: FlowCheckOptions): Validated<FlowDocument> {
  const shaped = validateFlowDocument(doc);
  if (shaped.ok) return checkGraph(shaped.value, options);
  const graph = shaped.issues.every((i) => i.code === 'schema') ? graphShaped(doc) : undefined;
  if (graph === undefined) return shaped;
  const graphChecked = checkGraph(graph, options);
  if (graphChecked.ok) return shaped;
  const flagged = new Set(shaped.issues.map((i) => i.pointer));
  const extra = graphChecked.issues.filter((i) => ![...flagged].some((p) => i.pointer === p || i.pointer.startsWith(`${p}/`)));
  return { ok: false, issues: [...shaped.issues, ...extra] };
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The document, when every node and edge has what the graph rules read; else undefined. */
function graphShaped(doc: unknown): FlowDocument | undefined {
  if (!isObject(doc) || !Array.isArray(doc['nodes']) || !Array.isArray(doc['edges'])) return undefined;
  const nodesOk = doc['nodes'].every((n) => isObject(n) && isString(n['id']) && isString(n['type']) && isObject(n['config']));
  const edgesOk = doc['edges'].every((e) => isObject(e) && isString(e['id']) && isString(e['source']) && isString(e['port']) && isString(e['target']));
  if (!nodesOk || !edgesOk || (doc['plugins'] !== undefined && !isObject(doc['plugins']))) return undefined;
  return doc as unknown as FlowDocument;
}

function checkGraph(flow: FlowDocument, options: FlowCheckOptions): Validated<FlowDocument> {
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
