import type { FlowDocument } from '@nexusflow/schemas';

/** A cycle in the flow graph, as found by `findCycles`. */
export interface FlowCycle {
  /** Node ids along the cycle; the first id is repeated at the end. */
  nodeIds: string[];
  /** Index in `flow.edges` of the edge that closes the cycle. */
  closingEdge: number;
}

interface Arc {
  to: number;
  edge: number;
}

/**
 * One cycle per strongly connected component of the graph left after removing the nodes for which
 * `isBreak` holds (the `core/wait` nodes) and the `ignoredEdges`: each such component loops
 * without ever waiting.
 * Self-loops count. Components are found with Tarjan's algorithm on an explicit stack, so a
 * 5,000-node chain cannot overflow the call stack. The cycle reported for a component starts at
 * its first node in document order and is the shortest way back to it.
 */
export function findCycles(
  flow: FlowDocument,
  isBreak: (type: string) => boolean,
  ignoredEdges: ReadonlySet<number> = new Set(),
): FlowCycle[] {
  const indexById = new Map<string, number>();
  flow.nodes.forEach((node, i) => {
    if (!indexById.has(node.id)) indexById.set(node.id, i);
  });
  const kept = flow.nodes.map((node) => !isBreak(node.type));
  const arcs: Arc[][] = flow.nodes.map(() => []);
  flow.edges.forEach((edge, k) => {
    if (ignoredEdges.has(k)) return;
    const from = indexById.get(edge.source);
    const to = indexById.get(edge.target);
    if (from !== undefined && to !== undefined && kept[from] && kept[to]) (arcs[from] as Arc[]).push({ to, edge: k });
  });
  const component = stronglyConnectedComponents(arcs, kept);
  const cycles: FlowCycle[] = [];
  const reported = new Set<number>();
  for (let start = 0; start < flow.nodes.length; start++) {
    const c = component[start] as number;
    if (c < 0 || reported.has(c)) continue;
    const cycle = shortestCycleThrough(start, arcs, component);
    if (cycle === undefined) continue; // a lone node without a self-loop
    reported.add(c);
    cycles.push({ nodeIds: cycle.nodes.map((i) => (flow.nodes[i] as { id: string }).id), closingEdge: cycle.closingEdge });
  }
  return cycles;
}

/** Tarjan's algorithm without recursion; returns each node's component number (-1 when not kept). */
function stronglyConnectedComponents(arcs: readonly Arc[][], kept: readonly boolean[]): Int32Array {
  const n = arcs.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const component = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const members: number[] = [];
  const calls: { node: number; next: number }[] = [];
  let counter = 0;
  let components = 0;
  const enter = (v: number): void => {
    order[v] = low[v] = counter++;
    members.push(v);
    onStack[v] = 1;
    calls.push({ node: v, next: 0 });
  };
  for (let root = 0; root < n; root++) {
    if (!kept[root] || order[root] !== -1) continue;
    enter(root);
    while (calls.length > 0) {
      const frame = calls.at(-1) as { node: number; next: number };
      const v = frame.node;
      const out = arcs[v] as Arc[];
      if (frame.next < out.length) {
        const w = (out[frame.next++] as Arc).to;
        if (order[w] === -1) enter(w);
        else if (onStack[w] === 1) low[v] = Math.min(low[v] as number, order[w] as number);
        continue;
      }
      calls.pop();
      const caller = calls.at(-1);
      if (caller !== undefined) low[caller.node] = Math.min(low[caller.node] as number, low[v] as number);
      if (low[v] === order[v]) {
        let w: number;
        do {
          w = members.pop() as number;
          onStack[w] = 0;
          component[w] = components;
        } while (w !== v);
        components++;
      }
    }
  }
  return component;
}

/** Breadth-first search inside `start`'s component for the shortest path back to `start`. */
function shortestCycleThrough(
  start: number,
  arcs: readonly Arc[][],
  component: Int32Array,
): { nodes: number[]; closingEdge: number } | undefined {
  const own = component[start];
  const cameFrom = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head] as number;
    for (const { to, edge } of arcs[u] as Arc[]) {
      if (to === start) {
        const back: number[] = [];
        for (let at = u; at !== start; at = cameFrom.get(at) as number) back.push(at);
        return { nodes: [start, ...back.reverse(), start], closingEdge: edge };
      }
      if (component[to] !== own || cameFrom.has(to)) continue;
      cameFrom.set(to, u);
      queue.push(to);
    }
  }
  return undefined;
}
