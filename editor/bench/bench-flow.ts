import type { FlowDocument, FlowEdge, FlowNode } from '@nexusflow/schemas';

/** Grid spacing of the nodes, in flow coordinates. */
const SPACING = 250;

/**
 * One topic of a support bot: set a variable, say something, branch on the message; the `help`
 * and `long` answers wait for the next message and loop back to the topic's start, the `else`
 * port goes on to the next topic. The loop passes through the wait, as the checks require.
 */
const TOPIC_SIZE = 6;

/**
 * A valid flow of exactly `size` nodes for the editor bench: a trigger, topics of set, reply,
 * branch (with conditions), replies and a wait, then a tail ending in core/end. Each output port
 * has at most one edge; every cycle goes through a core/wait. Nodes sit on a square grid in
 * document order, `SPACING` px apart.
 */
export function benchFlow(size: number): FlowDocument {
  if (size < 2) throw new Error('a bench flow needs at least a trigger and one more node');
  const builder = flowBuilder(size);
  let exit = { node: builder.add('start', 'core/trigger', {}), port: 'out' };
  const topics = Math.floor((size - 1) / TOPIC_SIZE);
  for (let t = 1; t <= topics; t += 1) exit = addTopic(builder, t, exit);
  addTail(builder, size - builder.nodes.length, exit);
  return { format: 'nexusflow/flow@1', id: `bench-${size}`, name: `Bench: ${size} nodes`, nodes: builder.nodes, edges: builder.edges };
}

interface Exit {
  node: string;
  port: string;
}

type Builder = ReturnType<typeof flowBuilder>;

function flowBuilder(size: number) {
  const columns = Math.ceil(Math.sqrt(size));
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  return {
    nodes,
    edges,
    add(id: string, type: string, config: Record<string, unknown>): string {
      const i = nodes.length;
      nodes.push({ id, type, position: { x: (i % columns) * SPACING, y: Math.floor(i / columns) * SPACING }, config });
      return id;
    },
    link(from: Exit, target: string): void {
      edges.push({ id: `e${edges.length + 1}`, source: from.node, port: from.port, target });
    },
  };
}

/** Adds one topic after `entry`; answers the port the next topic hangs from. */
function addTopic(b: Builder, t: number, entry: Exit): Exit {
  const set = b.add(`set-${t}`, 'core/set', { vars: { [`topic${t}`]: '{{ $lowercase(message.text) }}', [`turns${t}`]: '{{ $count(vars) }}' } });
  const ask = b.add(`ask-${t}`, 'core/reply', { text: `Topic ${t}: tell me more about "{{ vars.topic${t} }}".` });
  const route = b.add(`route-${t}`, 'core/branch', {
    conditions: [
      { port: 'help', when: '$contains($lowercase(message.text), /help|human|agent/)' },
      { port: 'long', when: '$length(message.text) > 40' },
    ],
    otherwise: 'else',
  });
  const help = b.add(`help-${t}`, 'core/reply', { text: 'Someone from the team will answer shortly.' });
  const long = b.add(`long-${t}`, 'core/reply', { text: `That was long ({{ $length(message.text) }} characters) for topic ${t}.` });
  const wait = b.add(`wait-${t}`, 'core/wait', {});
  b.link(entry, set);
  b.link({ node: set, port: 'out' }, ask);
  b.link({ node: ask, port: 'out' }, route);
  b.link({ node: route, port: 'help' }, help);
  b.link({ node: route, port: 'long' }, long);
  b.link({ node: help, port: 'out' }, wait);
  b.link({ node: long, port: 'out' }, wait);
  b.link({ node: wait, port: 'out' }, set);
  return { node: route, port: 'else' };
}

/** Fills the last `count` nodes: replies, then a core/end. */
function addTail(b: Builder, count: number, entry: Exit): void {
  let exit = entry;
  for (let i = 1; i <= count; i += 1) {
    const id = i === count ? b.add('end', 'core/end', {}) : b.add(`bye-${i}`, 'core/reply', { text: `Goodbye (${i}).` });
    b.link(exit, id);
    exit = { node: id, port: 'out' };
  }
}
