import type { ValidationIssue } from '@nexusflow/schemas';

/** What a test run did at one node (the chat's trace folds into this). */
export interface NodeRunView {
  /** The port the node left through. */
  port?: string;
  error?: { code: string; message: string };
  durationMs?: number;
  input?: unknown;
  output?: unknown;
}

/** One problem of the flow, as `checkFlow` (and the server) report it: code, JSON pointer, sentence. */
export type FlowProblem = ValidationIssue;

/** The port every node has, taken when its step fails. */
export const ERROR_PORT = 'error';
/** The node type a flow has exactly one of. */
export const TRIGGER_TYPE = 'core/trigger';
/** The drag-and-drop data type a palette entry carries (its value is the node type). */
export const NODE_DRAG_TYPE = 'application/nexusflow-node';

/** Node sizes when the canvas has not measured a node yet (layout needs one). */
export const DEFAULT_NODE_SIZE = { width: 180, height: 80 };
