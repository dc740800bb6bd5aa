import { NexusError, toErrorInfo } from '../errors.js';
import { compileFlowOrThrow, type CompiledFlow } from '../compile/compile-flow.js';
import type { EvaluationLimits } from '../expressions/index.js';
import type { NodeTypeRegistry } from '../plugins/types.js';
import { createKeyedQueue } from './keyed-queue.js';
import { isSessionRecord, migrateToFlow, newSessionRecord, unrecoverable } from './records.js';
import type { StepSandbox } from './run-step.js';
import { resumeTurn, startTurn, type TurnEnvironment } from './turn.js';
import type {
  CapabilityProvider,
  ChatMessage,
  Clock,
  ResolveSession,
  SessionRecord,
  SessionStore,
  TraceSink,
  TurnResult,
} from './types.js';

/** Steps one turn may take before it is stopped (DESIGN.md). */
export const DEFAULT_STEP_BUDGET = 100;
/** Messages that may wait behind a session's running turn. */
export const DEFAULT_MAX_PENDING = 100;

export interface SessionRuntimeOptions {
  registry: NodeTypeRegistry;
  store: SessionStore;
  sandbox: StepSandbox;
  capabilities: CapabilityProvider;
  /** Which workspace and flow a session key belongs to. */
  resolve: ResolveSession;
  clock?: Clock;
  trace?: TraceSink;
  stepBudget?: number;
  maxPendingPerSession?: number;
  expressionLimits?: Partial<EvaluationLimits>;
}

export interface SessionRuntime {
  /** Processes one message; messages of one session run one at a time, in arrival order. */
  dispatch(sessionKey: string, message: ChatMessage): Promise<TurnResult>;
  /** Finishes the turns a stopped runtime left running in the store. */
  resumeInterrupted(): Promise<Map<string, TurnResult>>;
  /**
   * Finishes one session's interrupted turn (another server process died running it): the step in
   * flight runs at most once more. Undefined when the session has no turn running.
   */
  resume(sessionKey: string): Promise<TurnResult | undefined>;
  /** Forgets a session's position and variables; its next message starts a new conversation. */
  reset(sessionKey: string): Promise<void>;
  /** Refuses new messages and waits for the running turns to finish. */
  close(): Promise<void>;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * The turn a reset conversation continues from when the old record cannot be read (C-04): its own
 * turn count when the damaged value still carries one, else the clock in milliseconds, which no
 * conversation's turn count reaches. Starting again at 0 would repeat the old conversation's
 * idempotency keys, and its replies would be taken for duplicates and never sent.
 */
function turnPast(damaged: unknown, now: number): number {
  const turn = (damaged as { turn?: unknown } | null | undefined)?.turn;
  return typeof damaged === 'object' && typeof turn === 'number' && Number.isSafeInteger(turn) && turn >= 0 ? turn : Math.max(0, Math.trunc(now));
}

/**
 * The session runtime: durable, ordered turns over a compiled flow.
 *
 * @example
 * const runtime = createSessionRuntime({ registry, store, sandbox, capabilities, resolve: () => ({ workspaceId: 'w1', flow }) });
 * await runtime.dispatch('w1:alice', { text: 'hello' });
 */
export function createSessionRuntime(options: SessionRuntimeOptions): SessionRuntime {
  const queue = createKeyedQueue(options.maxPendingPerSession ?? DEFAULT_MAX_PENDING);
  const clock = options.clock ?? systemClock;
  const env: TurnEnvironment = {
    store: options.store,
    sandbox: options.sandbox,
    capabilities: options.capabilities,
    clock,
    trace: options.trace,
    stepBudget: options.stepBudget ?? DEFAULT_STEP_BUDGET,
  };
  if (options.expressionLimits !== undefined) env.expressionLimits = options.expressionLimits;
  let closed = false;

  async function target(key: string): Promise<{ flow: CompiledFlow; workspaceId: string; contact: { id: string } }> {
    const resolved = await options.resolve(key);
    return {
      flow: compileFlowOrThrow(resolved.flow, resolved.registry ?? options.registry),
      workspaceId: resolved.workspaceId,
      contact: resolved.contact ?? { id: key },
    };
  }

  async function loadRecord(key: string, flow: CompiledFlow): Promise<SessionRecord | TurnResult> {
    let stored: unknown;
    try {
      stored = await options.store.load(key);
    } catch (error) {
      return { status: 'failed', turn: 0, steps: 0, error: unrecoverable(key, toErrorInfo(error).message) };
    }
    if (stored === undefined) return stored as never;
    if (!isSessionRecord(stored)) return { status: 'failed', turn: 0, steps: 0, error: unrecoverable(key, 'its stored record is damaged or from an unknown version') };
    const { record, notice } = migrateToFlow(stored, flow);
    if (notice !== undefined) options.trace?.emit({ type: 'session.notice', sessionKey: key, turn: record.turn, at: clock.now(), message: notice });
    return record;
  }

  async function processMessage(key: string, message: ChatMessage): Promise<TurnResult> {
    const { flow, workspaceId, contact } = await target(key);
    let loaded = await loadRecord(key, flow);
    if (loaded !== undefined && !isSessionRecord(loaded)) return loaded;
    if (loaded?.status === 'running') {
      await resumeTurn(loaded, flow, env);
      loaded = await loadRecord(key, flow);
      if (loaded !== undefined && !isSessionRecord(loaded)) return loaded;
    }
    const record = loaded ?? newSessionRecord(key, workspaceId, flow, contact, clock.now());
    return startTurn(record, flow, env, message);
  }

  async function resumeOne(key: string): Promise<TurnResult | undefined> {
    const { flow } = await target(key);
    const loaded = await loadRecord(key, flow);
    if (loaded === undefined || !isSessionRecord(loaded)) return loaded;
    if (loaded.status !== 'running') return undefined;
    return resumeTurn(loaded, flow, env);
  }

  function guard(): void {
    if (closed) throw new NexusError('runtime_closed', 'the runtime is shutting down; send the message again once it is back');
  }

  return {
    async dispatch(key, message) {
      guard();
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        throw new NexusError('invalid_message', 'a message must be an object such as { "text": "hello" }');
      }
      return queue.run(key, () => processMessage(key, message));
    },
    async resumeInterrupted() {
      guard();
      const results = new Map<string, TurnResult>();
      const keys = await options.store.listRunning();
      await Promise.all(
        keys.map(async (key) => {
          const result = await queue.run(key, () => resumeOne(key));
          if (result !== undefined) results.set(key, result);
        }),
      );
      return results;
    },
    async resume(key) {
      guard();
      return queue.run(key, () => resumeOne(key));
    },
    async reset(key) {
      guard();
      await queue.run(key, async () => {
        const { flow, workspaceId, contact } = await target(key);
        let previous: unknown;
        let unreadable = false;
        try {
          previous = await options.store.load(key);
        } catch {
          unreadable = true;
        }
        const fresh = newSessionRecord(key, workspaceId, flow, contact, clock.now());
        // Turn numbers keep counting, so idempotency keys of the old conversation never repeat.
        if (isSessionRecord(previous)) fresh.turn = previous.turn;
        else if (unreadable || previous !== undefined) fresh.turn = turnPast(previous, clock.now());
        await options.store.save(fresh);
      });
    },
    async close() {
      closed = true;
      await queue.idle();
    },
  };
}
