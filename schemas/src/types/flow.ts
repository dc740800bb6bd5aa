/**
 * The only flow document format this version understands.
 *
 * @example
 * const flow = { format: FLOW_FORMAT, id: 'support-bot', name: 'Support bot', nodes: [], edges: [] };
 */
export const FLOW_FORMAT = 'nexusflow/flow@1' as const;
/**
 * Every format `validateFlowDocument` accepts (older ones are migrated forward).
 *
 * @example
 * if (!SUPPORTED_FLOW_FORMATS.includes(doc.format)) showUpgradeHint();
 */
export const SUPPORTED_FLOW_FORMATS: readonly string[] = [FLOW_FORMAT];

/**
 * Node and edge ids become XState state keys, where `.`, `#` and `\` are path syntax.
 *
 * @example
 * new RegExp(NODE_ID_PATTERN).test('answer-1'); // true
 * new RegExp(NODE_ID_PATTERN).test('a.b'); // false
 */
export const NODE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/**
 * `<plugin>/<node>` in lowercase.
 *
 * @example
 * new RegExp(NODE_TYPE_PATTERN).test('core/billing-check'); // true
 */
export const NODE_TYPE_PATTERN = '^[a-z][a-z0-9-]{0,63}/[a-z][a-z0-9-]{0,63}$';
/**
 * Output port names; `error` is the implicit port every node has.
 *
 * @example
 * new RegExp(PORT_NAME_PATTERN).test('insufficient'); // true
 */
export const PORT_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]{0,63}$';
/**
 * Plugin names, the part of a node type before the `/`.
 *
 * @example
 * new RegExp(PLUGIN_NAME_PATTERN).test('acme'); // true
 */
export const PLUGIN_NAME_PATTERN = '^[a-z][a-z0-9-]{0,63}$';

/**
 * Most nodes one flow may hold; a bigger agent is split into several flows.
 *
 * @example
 * if (flow.nodes.length >= MAX_FLOW_NODES) disableAddNode();
 */
export const MAX_FLOW_NODES = 5000;
/**
 * Most edges one flow may hold.
 *
 * @example
 * if (flow.edges.length >= MAX_FLOW_EDGES) disableConnect();
 */
export const MAX_FLOW_EDGES = 20000;
/**
 * Deepest nesting of objects and arrays a document may have, counted in JSON pointer segments:
 * `/variables/a` is at level 2.
 *
 * @example
 * prescanJson(doc, { maxDepth: MAX_NESTING_DEPTH });
 */
export const MAX_NESTING_DEPTH = 64;
/**
 * Keys refused anywhere in a document: they reach prototypes when code copies objects naively.
 *
 * @example
 * const safe = Object.keys(vars).every((key) => !RESERVED_KEYS.includes(key));
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export interface FlowPosition {
  x: number;
  y: number;
}

export interface FlowNode {
  id: string;
  /** `<plugin>/<node>`, e.g. `core/llm`. */
  type: string;
  position: FlowPosition;
  config: Record<string, unknown>;
  /** Optional display name shown on the canvas. */
  label?: string;
}

export interface FlowEdge {
  id: string;
  source: string;
  /** Output port of the source node; `error` is the implicit error port every node has. */
  port: string;
  target: string;
}

/** A `nexusflow/flow@1` document: one agent as a graph of nodes and edges. */
export interface FlowDocument {
  format: typeof FLOW_FORMAT;
  id: string;
  name: string;
  description?: string;
  /** Initial values of `vars` for a new session. */
  variables?: Record<string, unknown>;
  /** Plugin name to semver range, e.g. `{ "acme": "^1.0.0" }`. */
  plugins?: Record<string, string>;
  nodes: FlowNode[];
  edges: FlowEdge[];
  meta?: Record<string, unknown>;
}
