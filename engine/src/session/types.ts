import type { FlowDocument } from '@nexusflow/schemas';
import type { ErrorInfo } from '../errors.js';
import type { NodeTypeRegistry } from '../plugins/types.js';
import type { CapabilityCall } from '../sandbox/types.js';
// The SDK is the contract plugin authors see; the runtime uses the same message and contact shapes.
import type { ChatMessage, Contact } from '../sdk/index.js';

export type { ChatMessage, Contact };

/** The data a session carries between steps; also the scope of every expression. */
export interface SessionContext {
  message: ChatMessage | null;
  vars: Record<string, unknown>;
  nodes: Record<string, { output?: unknown }>;
  contact: Contact;
}

export type SessionStatus = 'idle' | 'parked' | 'running';

/** The step that was running when the record was written; it is re-run at most once after a stop. */
export interface InFlightStep {
  nodeId: string;
  step: number;
  attempt: number;
}

/** Everything persisted for one session, after every step. Plain JSON. */
export interface SessionRecord {
  /** Record format version, for migrations. */
  v: 1;
  key: string;
  workspaceId: string;
  flowId: string;
  /** Content hash of the flow the position refers to. */
  flowHash: string;
  /** XState state value: a node id, or `__idle` between runs. */
  state: string;
  status: SessionStatus;
  context: SessionContext;
  /** Turns started so far; a turn is the processing of one inbound message. */
  turn: number;
  /** Steps completed in the current turn. */
  step: number;
  inFlight?: InFlightStep;
  lastError?: ErrorInfo;
  updatedAt: number;
}

/** Storage port. Implementations must make `save` atomic per key. */
export interface SessionStore {
  load(key: string): Promise<SessionRecord | undefined>;
  save(record: SessionRecord): Promise<void>;
  /** Keys of sessions whose last saved status is `running`: turns a stopped runtime left behind. */
  listRunning(): Promise<string[]>;
}

/** Who asks, for a capability call: enough to authorize, scope and deduplicate it. */
export interface CapabilityContext {
  workspaceId: string;
  sessionKey: string;
  flowId: string;
  contact: Contact;
  nodeId: string;
  nodeType: string;
  plugin: string;
  turn: number;
  step: number;
  /** Stable across re-runs of the same step: `<session>/<turn>/<step>/<node>`. */
  idempotencyKey: string;
}

/** Host side of plugin capabilities (LLM, memory, channel, kv ...). */
export interface CapabilityProvider {
  invoke(call: CapabilityCall, context: CapabilityContext): Promise<unknown>;
}

export interface Clock {
  now(): number;
}

interface TraceBase {
  sessionKey: string;
  turn: number;
  at: number;
}

/** Trace events, emitted for every step; the editor shows them live and the server stores them. */
export type TraceEvent =
  | (TraceBase & { type: 'turn.started'; message: ChatMessage; resumed: boolean })
  | (TraceBase & { type: 'node.entered'; step: number; nodeId: string; nodeType: string; attempt: number })
  | (TraceBase & {
      type: 'node.port';
      step: number;
      nodeId: string;
      nodeType: string;
      port: string;
      durationMs: number;
      output?: string;
    })
  | (TraceBase & {
      type: 'node.error';
      step: number;
      nodeId: string;
      nodeType: string;
      error: ErrorInfo;
      durationMs: number;
      /** True when the node's `error` port is wired and the run goes on. */
      handled: boolean;
    })
  | (TraceBase & { type: 'session.parked'; nodeId: string })
  | (TraceBase & { type: 'session.notice'; message: string })
  | (TraceBase & { type: 'turn.ended'; status: TurnStatus; steps: number; error?: ErrorInfo });

export interface TraceSink {
  emit(event: TraceEvent): void;
}

/** How a turn ended: parked on a wait, the run ended, or it failed with an unhandled error. */
export type TurnStatus = 'parked' | 'ended' | 'failed';

export interface TurnResult {
  status: TurnStatus;
  turn: number;
  steps: number;
  /** The wait node the session is parked on. */
  parkedAt?: string;
  error?: ErrorInfo;
}

/** Which flow and workspace a session belongs to. */
export interface SessionTarget {
  workspaceId: string;
  flow: FlowDocument;
  contact?: Contact;
  /** The node types this session's flow may use (e.g. the core plugin plus its workspace's plugins); default: the runtime's. */
  registry?: NodeTypeRegistry;
}

export type ResolveSession = (sessionKey: string) => Promise<SessionTarget> | SessionTarget;
