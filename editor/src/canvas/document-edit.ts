import type { FlowDocument, FlowEdge, FlowNode, FlowPosition } from '@nexusflow/schemas';
import { nextEdgeId, nextNodeId } from './ids.js';

/**
 * Pure edits of a flow document. Each answers a new document and leaves its input untouched, so
 * every edit can be undone by keeping the previous document.
 */

/** Grid the canvas snaps to; dropped and pasted nodes land on it too. */
export const GRID = 10;
const snap = (value: number) => Math.round(value / GRID) * GRID;

/** Adds a node of `type` at `position`; answers the document and the new node's id. */
export function addNode(doc: FlowDocument, type: string, position: FlowPosition, config: Record<string, unknown>): { doc: FlowDocument; id: string } {
  const id = nextNodeId(type, new Set(doc.nodes.map((n) => n.id)));
  const node: FlowNode = { id, type, position: { x: snap(position.x), y: snap(position.y) }, config };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id };
}

/** Removes nodes and edges; edges that touch a removed node go with it. */
export function removeElements(doc: FlowDocument, nodeIds: Iterable<string>, edgeIds: Iterable<string> = []): FlowDocument {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (nodes.size === 0 && edges.size === 0) return doc;
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => !nodes.has(n.id)),
    edges: doc.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target)),
  };
}

/**
 * Connects `source`'s output `port` to `target`. An output port has at most one edge, so an edge
 * already leaving that port is replaced (its id is kept, so the document changes as little as it can).
 */
export function connect(doc: FlowDocument, source: string, port: string, target: string): FlowDocument {
  const existing = doc.edges.find((e) => e.source === source && e.port === port);
  if (existing?.target === target) return doc;
  if (existing !== undefined) return { ...doc, edges: doc.edges.map((e) => (e === existing ? { ...e, target } : e)) };
  const edge: FlowEdge = { id: nextEdgeId(new Set(doc.edges.map((e) => e.id))), source, port, target };
  return { ...doc, edges: [...doc.edges, edge] };
}

/** Moves nodes to new positions (rounded to whole pixels); unchanged nodes keep their identity. */
export function moveNodes(doc: FlowDocument, positions: ReadonlyMap<string, FlowPosition>): FlowDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const to = positions.get(n.id);
    if (to === undefined) return n;
    const position = { x: Math.round(to.x), y: Math.round(to.y) };
    if (position.x === n.position.x && position.y === n.position.y) return n;
    changed = true;
    return { ...n, position };
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Replaces one node's config. */
export function setNodeConfig(doc: FlowDocument, nodeId: string, config: Record<string, unknown>): FlowDocument {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === nodeId ? { ...n, config } : n)) };
}

/** Sets or clears (empty text) a node's display label. */
export function setNodeLabel(doc: FlowDocument, nodeId: string, label: string): FlowDocument {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      if (n.id !== nodeId) return n;
      const { label: _old, ...rest } = n;
      return label.trim() === '' ? rest : { ...rest, label: label.trim() };
    }),
  };
}
