/** The only flow document format this version understands. */
export const FLOW_FORMAT = 'nexusflow/flow@1' as const;
/** Every format `validateFlowDocument` accepts (older ones are migrated forward). */
export const SUPPORTED_FLOW_FORMATS: readonly string[] = [FLOW_FORMAT];

/** Node and edge ids become XState state keys, where `.`, `#` and `\` are path syntax. */
export const NODE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

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
