import type { FlowDocument, FlowNode } from '@nexusflow/schemas';
import { ERROR_PORT, TRIGGER_TYPE } from './types.js';

/** One thing a `{{ }}` template (or a branch condition) at a node can read. */
export interface AvailableVariable {
  /** A JSONata expression over `{ message, vars, nodes, contact }`, e.g. `nodes.ask.output`. */
  expression: string;
  description: string;
}

// Engine-native types whose outputs the engine itself defines (engine/src/session/run-step.ts, turn.ts).
const END = 'core/end';
const WAIT = 'core/wait';
const BRANCH = 'core/branch';
const SET = 'core/set';

/** Types that never store `nodes.<id>.output`: listing them would offer an expression that is always empty. */
const NO_OUTPUT: ReadonlySet<string> = new Set([TRIGGER_TYPE, END]);

/** What every turn has, whatever the flow: the inbound message and the contact (server: flow-host.ts, chat-service.ts). */
const ALWAYS: readonly AvailableVariable[] = [
  { expression: 'message.text', description: "the text of the person's last message" },
  { expression: 'message.payload', description: 'the payload of the button the person pressed, if any' },
  { expression: 'contact.id', description: 'who is talking: the contact id on its channel' },
  { expression: 'contact.channel', description: 'where the conversation happens: web, api, studio or whatsapp' },
];

const PREVIEW_LENGTH = 40;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Node ids from which `nodeId` can be reached by following edges backwards (its upstream), nearest
 * first. The node itself is included only when it sits on a cycle.
 *
 * @example
 * upstreamOf(flow({ edges: [['start', 'ask'], ['ask', 'say']] }), 'say'); // ['ask', 'start']
 */
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
 * What templates at `nodeId` can read, in this order: the message, the contact, the variables (of
 * the flow and those `core/set` nodes set, by name) and the outputs of the nodes that can run before
 * this one (nearest first). A node whose `error` port leads here also offers its error message.
 *
 * @example
 * availableVariables(doc, 'answer').map((v) => v.expression);
 * // ['message.text', 'message.payload', 'contact.id', 'contact.channel', 'vars.persona', 'nodes.credits.output']
 */
export function availableVariables(doc: FlowDocument, nodeId: string): AvailableVariable[] {
  return [...ALWAYS, ...variablesOf(doc), ...upstreamOutputs(doc, nodeId)];
}

function variablesOf(doc: FlowDocument): AvailableVariable[] {
  const sources = new Map<string, string[]>();
  const add = (name: string, source: string) => sources.set(name, [...(sources.get(name) ?? []), source]);
  for (const [name, value] of Object.entries(doc.variables ?? {})) add(name, `a variable of the flow, starting as ${preview(value)}`);
  for (const node of doc.nodes) {
    const set = node.type === SET && isObject(node.config['vars']) ? node.config['vars'] : {};
    for (const name of Object.keys(set)) add(name, `set by ${node.id}`);
  }
  return [...sources.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, said]) => ({ expression: `vars.${quoteKey(name)}`, description: said.join('; ') }));
}

function upstreamOutputs(doc: FlowDocument, nodeId: string): AvailableVariable[] {
  const upstream = upstreamOf(doc, nodeId);
  // An error edge matters here when its target is this node or runs before it.
  const leadsHere = new Set([nodeId, ...upstream]);
  const failsHere = new Set(doc.edges.filter((e) => e.port === ERROR_PORT && leadsHere.has(e.target)).map((e) => e.source));
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const found: AvailableVariable[] = [];
  for (const id of upstream) {
    const node = byId.get(id);
    if (node === undefined) continue;
    if (!NO_OUTPUT.has(node.type)) found.push(outputOf(node));
    if (failsHere.has(id)) found.push({ expression: `nodes.${quoteKey(id)}.output.error.message`, description: `why ${id} failed, when its error port led here` });
  }
  return found;
}

function outputOf(node: FlowNode): AvailableVariable {
  const at = `nodes.${quoteKey(node.id)}.output`;
  switch (node.type) {
    case WAIT:
      return { expression: `${at}.message.text`, description: `what the person answered when the flow went on from ${node.id}` };
    case BRANCH:
      return { expression: `${at}.matched`, description: `the index of the condition ${node.id} took (null for its fallback port)` };
    default:
      return { expression: at, description: `what ${node.id} (${node.type}) returned` };
  }
}

/** A short, one-line view of a variable's starting value. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}

/** JSONata reads `reply-1` as a subtraction: names that are not plain identifiers are back-quoted. */
function quoteKey(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name}\``;
}
