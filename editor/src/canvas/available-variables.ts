import type { FlowDocument } from '@nexusflow/schemas';

/** One thing a `{{ }}` template at a node can read. */
export interface AvailableVariable {
  expression: string;
  description: string;
}

const SET_TYPE = 'core/set';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Node ids from which `nodeId` can be reached by following edges (its upstream), nearest first. */
export function upstreamOf(doc: FlowDocument, nodeId: string): string[] {
  const incoming = new Map<string, string[]>();
  for (const edge of doc.edges) incoming.set(edge.target, [...(incoming.get(edge.target) ?? []), edge.source]);
  const seen = new Set<string>();
  const order: string[] = [];
  let frontier = [nodeId];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier)
      for (const source of incoming.get(id) ?? []) {
        if (seen.has(source)) continue;
        seen.add(source);
        order.push(source);
        next.push(source);
      }
    frontier = next;
  }
  return order;
}

/**
 * What templates at `nodeId` can read: the message, the contact, the flow's variables and those set
 * by `core/set` nodes, and the output of every node that runs before this one.
 */
export function availableVariables(doc: FlowDocument, nodeId: string): AvailableVariable[] {
  const found: AvailableVariable[] = [
    { expression: 'message.text', description: 'the text of the message the person just sent' },
    { expression: 'contact.id', description: 'who is talking (channel-specific id)' },
  ];
  const vars = new Map<string, string>();
  for (const name of Object.keys(doc.variables ?? {})) vars.set(name, 'a variable of the flow (its starting value is set on the flow)');
  for (const node of doc.nodes) {
    const set = node.type === SET_TYPE && isObject(node.config['vars']) ? node.config['vars'] : undefined;
    for (const name of Object.keys(set ?? {})) if (!vars.has(name)) vars.set(name, `set by ${node.id}`);
  }
  for (const [name, description] of [...vars.entries()].sort(([a], [b]) => a.localeCompare(b))) found.push({ expression: `vars.${name}`, description });
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  for (const id of upstreamOf(doc, nodeId)) {
    const node = byId.get(id);
    if (node === undefined || id === nodeId) continue;
    found.push({ expression: `nodes.${quoteKey(id)}.output`, description: `what ${id} (${node.type}) returned` });
  }
  return found;
}

/** JSONata reads `reply-1` as a subtraction: ids that are not plain names are back-quoted. */
function quoteKey(id: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(id) ? id : `\`${id}\``;
}
