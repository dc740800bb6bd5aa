import type { FlowDocument, FlowEdge, FlowNode } from '@nexusflow/schemas';
import { GRID } from './document-edit.js';
import { nextEdgeId, nextNodeId } from './ids.js';
import { TRIGGER_TYPE } from './types.js';

/** What copy keeps: the chosen nodes and the edges between them. */
export interface ClipboardContent {
  kind: 'nexusflow/nodes';
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** Where pasted nodes land relative to the copied ones, so both stay visible. */
export const PASTE_OFFSET = 4 * GRID;

/** Copies nodes and the edges that run between two of them. A flow's trigger is never copied (a flow has exactly one). */
export function copyNodes(doc: FlowDocument, nodeIds: Iterable<string>): ClipboardContent {
  const ids = new Set(nodeIds);
  const nodes = doc.nodes.filter((n) => ids.has(n.id) && n.type !== TRIGGER_TYPE);
  const kept = new Set(nodes.map((n) => n.id));
  const edges = doc.edges.filter((e) => kept.has(e.source) && kept.has(e.target));
  return structuredClone({ kind: 'nexusflow/nodes', nodes, edges });
}

/** Reads clipboard text back; `undefined` when it is not copied nodes. */
export function parseClipboard(text: string): ClipboardContent | undefined {
  try {
    const value = JSON.parse(text) as Partial<ClipboardContent> | null;
    if (value?.kind !== 'nexusflow/nodes' || !Array.isArray(value.nodes) || !Array.isArray(value.edges)) return undefined;
    return value as ClipboardContent;
  } catch {
    return undefined;
  }
}

/**
 * Pastes copied nodes with fresh ids (edges follow the renames), shifted by `offset`. Answers the
 * document and the new ids, which the canvas selects.
 */
export function pasteNodes(doc: FlowDocument, content: ClipboardContent, offset = { x: PASTE_OFFSET, y: PASTE_OFFSET }): { doc: FlowDocument; ids: string[] } {
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  const edgeIds = new Set(doc.edges.map((e) => e.id));
  const renamed = new Map<string, string>();
  const nodes: FlowNode[] = [];
  for (const node of content.nodes) {
    if (node.type === TRIGGER_TYPE) continue;
    const id = nextNodeId(node.type, nodeIds);
    nodeIds.add(id);
    renamed.set(node.id, id);
    nodes.push({ ...structuredClone(node), id, position: { x: node.position.x + offset.x, y: node.position.y + offset.y } });
  }
  const edges: FlowEdge[] = [];
  for (const edge of content.edges) {
    const source = renamed.get(edge.source);
    const target = renamed.get(edge.target);
    if (source === undefined || target === undefined) continue;
    const id = nextEdgeId(edgeIds);
    edgeIds.add(id);
    edges.push({ id, source, port: edge.port, target });
  }
  return { doc: { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] }, ids: nodes.map((n) => n.id) };
}
