import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { FlowDocument, FlowPosition } from '@nexusflow/schemas';
import { DEFAULT_NODE_SIZE } from './types.js';


let elk: InstanceType<typeof ELK> | undefined;

/**
 * Lays the flow out left to right in layers (ELK's layered algorithm), keeping each node's output
 * ports in their order so edges cross as little as they can. Answers the new position of every node.
 */
export async function layoutFlow(doc: FlowDocument, sizes: ReadonlyMap<string, { width: number; height: number }> = new Map()): Promise<Map<string, FlowPosition>> {
  elk ??= new ELK();
  const ids = new Set(doc.nodes.map((n) => n.id));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
    },
    children: doc.nodes.map((node) => ({ id: node.id, ...(sizes.get(node.id) ?? DEFAULT_NODE_SIZE) })),
    edges: doc.edges
      .filter((e) => e.source !== e.target && ids.has(e.source) && ids.has(e.target))
      .map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
  };
  const laid = await elk.layout(graph);
  const positions = new Map<string, FlowPosition>();
  for (const child of laid.children ?? []) positions.set(child.id, { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) });
  return positions;
}
