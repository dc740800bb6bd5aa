import type { JsonSchema } from '@nexusflow/schemas';

/**
 * One node type of the palette, as the server answers `GET /api/v1/workspaces/:ws/node-types`
 * (`{ items: PaletteEntry[] }`).
 */
export interface PaletteEntry {
  /** `<plugin>/<node>`, e.g. `core/reply`. */
  type: string;
  plugin: string;
  pluginVersion?: string;
  /** `native` types run in the engine (trigger, wait, branch, end); `plugin` types in the sandbox. */
  kind: 'native' | 'plugin';
  title: string;
  description: string;
  category: string;
  /** An icon name (lucide-style, e.g. `message-circle`). */
  icon: string;
  /** Output ports for an empty config; the implicit `error` port is not listed. */
  ports: string[];
  /** True when the ports follow the config (a branch has one port per condition). */
  dynamicPorts?: boolean;
  /** JSON Schema of the node's config; draws the inspector form. */
  config: JsonSchema;
  capabilities: string[];
  limits?: { timeoutMs?: number; memoryMb?: number };
}

/** What a test run did at one node (the chat's trace folds into this). */
export interface NodeRunView {
  /** The port the node left through. */
  port?: string;
  error?: { code: string; message: string };
  durationMs?: number;
  input?: unknown;
  output?: unknown;
}

/** One problem of the flow, as `checkFlow` (and the server) report it. */
export interface FlowProblem {
  code: string;
  /** JSON pointer into the document, e.g. `/nodes/2/config/text`. */
  pointer: string;
  message: string;
}

/** The port every node has, taken when its step fails. */
export const ERROR_PORT = 'error';
/** The node type a flow has exactly one of. */
export const TRIGGER_TYPE = 'core/trigger';
/** The drag-and-drop data type a palette entry carries (its value is the node type). */
export const NODE_DRAG_TYPE = 'application/nexusflow-node';
