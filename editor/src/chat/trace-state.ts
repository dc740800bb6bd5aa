/** What the canvas shows of one node from the trace of a test chat. */
export interface NodeRun {
  port?: string;
  error?: { code: string; message: string };
  durationMs?: number;
  /** The node's output as the trace summarises it (JSON text, cut at 200 characters). */
  output?: string;
  /** The message the turn received when the node ran. */
  input?: unknown;
  attempt?: number;
}

/** A trace event as the server sends it (the engine's TraceEvent, loosely typed at the edge). */
export interface TraceEventLike {
  type: string;
  nodeId?: string;
  port?: string;
  durationMs?: number;
  output?: string;
  error?: { code: string; message: string };
  attempt?: number;
  message?: unknown;
  status?: string;
}

export interface TraceState {
  /** The node running now, lit up on the canvas. */
  activeNodeId: string | undefined;
  runs: Record<string, NodeRun>;
  /** The inbound message of the turn in progress. */
  turnMessage: unknown;
}

export const EMPTY_TRACE: TraceState = { activeNodeId: undefined, runs: {}, turnMessage: undefined };

/** Folds one trace event into the state the canvas shows; a new turn starts a fresh picture. */
export function applyTrace(state: TraceState, event: TraceEventLike): TraceState {
  switch (event.type) {
    case 'turn.started':
      return { activeNodeId: undefined, runs: {}, turnMessage: event.message };
    case 'node.entered':
      if (event.nodeId === undefined) return state;
      return { ...state, activeNodeId: event.nodeId, runs: { ...state.runs, [event.nodeId]: { input: state.turnMessage, ...(event.attempt === undefined ? {} : { attempt: event.attempt }) } } };
    case 'node.port':
    case 'node.error': {
      if (event.nodeId === undefined) return state;
      const run: NodeRun = { ...state.runs[event.nodeId] };
      if (event.port !== undefined) run.port = event.port;
      if (event.error !== undefined) run.error = event.error;
      if (event.durationMs !== undefined) run.durationMs = event.durationMs;
      if (event.output !== undefined) run.output = event.output;
      return { ...state, runs: { ...state.runs, [event.nodeId]: run } };
    }
    case 'session.parked':
    case 'turn.ended':
      return { ...state, activeNodeId: undefined };
    default:
      return state;
  }
}
