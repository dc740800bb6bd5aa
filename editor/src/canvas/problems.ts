import { checkFlow, checkTemplates, type NodeTypeRegistry } from '@nexusflow/engine/browser';
import type { FlowDocument } from '@nexusflow/schemas';
import type { FlowProblem } from './types.js';

/** A problem placed on the canvas: the node or edge it is about, and the config field when there is one. */
export interface PlacedProblem extends FlowProblem {
  nodeId?: string;
  edgeId?: string;
  /** The config key the problem is about (`text` for `/nodes/3/config/text`). */
  field?: string;
}

/**
 * The same checks the server runs on save and publish (schema, graph, node configs, templates and
 * expressions), for live feedback while a person edits.
 */
export function checkDocument(doc: FlowDocument, registry: NodeTypeRegistry): FlowProblem[] {
  const checked = checkFlow(doc, { registry, checkTemplates });
  return checked.ok ? [] : checked.issues.map(({ code, pointer, message }) => ({ code, pointer, message }));
}

const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** Relates each problem to the node or edge its pointer is inside. */
export function placeProblems(doc: FlowDocument, problems: readonly FlowProblem[]): PlacedProblem[] {
  return problems.map((problem) => {
    const [, collection, index, section, key] = problem.pointer.split('/').map(unescape);
    const at = Number(index);
    if (collection === 'nodes' && Number.isInteger(at)) {
      const node = doc.nodes[at];
      if (node === undefined) return { ...problem };
      return { ...problem, nodeId: node.id, ...(section === 'config' && key !== undefined ? { field: key } : {}) };
    }
    if (collection === 'edges' && Number.isInteger(at)) {
      const edge = doc.edges[at];
      return edge === undefined ? { ...problem } : { ...problem, edgeId: edge.id };
    }
    return { ...problem };
  });
}

/** Problems grouped by node id and by edge id, for drawing them on the canvas. */
export function problemsByElement(placed: readonly PlacedProblem[]): { nodes: Map<string, PlacedProblem[]>; edges: Map<string, PlacedProblem[]> } {
  const nodes = new Map<string, PlacedProblem[]>();
  const edges = new Map<string, PlacedProblem[]>();
  for (const problem of placed) {
    if (problem.nodeId !== undefined) nodes.set(problem.nodeId, [...(nodes.get(problem.nodeId) ?? []), problem]);
    if (problem.edgeId !== undefined) edges.set(problem.edgeId, [...(edges.get(problem.edgeId) ?? []), problem]);
  }
  return { nodes, edges };
}
