import type { ErrorInfo } from '../errors.js';
import { END_EVENT, FAILED_STATE, IDLE_STATE, MESSAGE_EVENT, portEvent } from '../compile/build-machine.js';
import type { CompiledFlow, CompiledNode } from '../compile/compile-flow.js';
import { ERROR_PORT, WAIT } from '../nodes/native-types.js';
import { runStep, type StepEnvironment, type StepOutcome } from './run-step.js';
import type { ChatMessage, Clock, SessionRecord, SessionStore, TraceEvent, TraceSink, TurnResult } from './types.js';
import { mergeVars } from './vars.js';

export interface TurnEnvironment extends StepEnvironment {
  store: SessionStore;
  clock: Clock;
  trace: TraceSink | undefined;
  stepBudget: number;
}

/** How many times a step may be started in all; the first run plus at most one after a stop. */
const MAX_ATTEMPTS = 2;
const OUTPUT_SUMMARY_CHARS = 200;

function summarize(output: unknown): string | undefined {
  if (output === undefined) return undefined;
  try {
    const text = JSON.stringify(output);
    return text.length > OUTPUT_SUMMARY_CHARS ? `${text.slice(0, OUTPUT_SUMMARY_CHARS)}…` : text;
  } catch {
    return '[unserializable]';
  }
}

class Turn {
  private record: SessionRecord;

  constructor(
    record: SessionRecord,
    private readonly flow: CompiledFlow,
    private readonly env: TurnEnvironment,
  ) {
    this.record = record;
  }

  private emit(event: TraceEvent): void {
    this.env.trace?.emit(event);
  }

  private base() {
    return { sessionKey: this.record.key, turn: this.record.turn, at: this.env.clock.now() };
  }

  private async save(patch: Partial<SessionRecord>): Promise<void> {
    this.record = { ...this.record, ...patch, updatedAt: this.env.clock.now() };
    if (patch.inFlight === undefined && 'inFlight' in patch) delete this.record.inFlight;
    await this.env.store.save(this.record);
  }

  /** Starts a turn for a new message: the first transition happens before anything is saved. */
  async start(message: ChatMessage): Promise<TurnResult> {
    const { record } = this;
    const parkedAt = this.flow.nodes.get(record.state);
    const fromWait = record.status === 'parked' && parkedAt?.type === WAIT;
    const first = fromWait ? this.flow.next(record.state, portEvent('out')) : this.flow.next(IDLE_STATE, MESSAGE_EVENT);
    const turn = record.turn + 1;
    const context = { ...record.context, message };
    if (fromWait && parkedAt !== undefined) context.nodes = { ...context.nodes, [parkedAt.id]: { output: { message } } };
    const state = first ?? IDLE_STATE;
    const patch: Partial<SessionRecord> = { state, status: 'running', turn, step: fromWait ? 1 : 0, context };
    patch.inFlight = this.inFlightMarkFor(state, patch.step as number);
    await this.save(patch);
    this.emit({ type: 'turn.started', ...this.base(), message, resumed: false });
    return this.loop(true);
  }

  /** Finishes a turn a stopped runtime left behind, from its last saved step. */
  async resume(): Promise<TurnResult> {
    this.emit({ type: 'turn.started', ...this.base(), message: this.record.context.message ?? {}, resumed: true });
    return this.loop(false);
  }

  /** Plugin steps are marked in flight in the same save that moves onto them. */
  private inFlightMarkFor(state: string, step: number): SessionRecord['inFlight'] {
    const node = this.flow.nodes.get(state);
    return node?.info.kind === 'plugin' ? { nodeId: node.id, step, attempt: 1 } : undefined;
  }

  /** `markedHere`: the in-flight mark in the record was written by this runtime, not loaded. */
  private async loop(markedHere: boolean): Promise<TurnResult> {
    for (;;) {
      const { state, step } = this.record;
      if (state === IDLE_STATE) return this.finish('ended');
      const node = this.flow.nodes.get(state);
      if (node === undefined) {
        return this.fail({ code: 'session_unrecoverable', message: `the flow has no node "${state}"; reset the session` });
      }
      if (node.type === WAIT) return this.park(node);
      if (step >= this.env.stepBudget) {
        return this.fail({
          code: 'step_budget_exceeded',
          message: `the turn stopped at node "${node.id}" after ${step} steps (the budget is ${this.env.stepBudget} per turn); look for a loop that runs without waiting`,
        });
      }
      const startedAt = this.env.clock.now();
      const outcome = await this.runNode(node, markedHere);
      markedHere = true;
      const next = await this.advance(node, outcome, Math.max(0, this.env.clock.now() - startedAt));
      if (next !== undefined) return next;
    }
  }

  private async runNode(node: CompiledNode, markedHere: boolean): Promise<StepOutcome> {
    const { record } = this;
    let attempt = 1;
    if (node.info.kind === 'plugin') {
      const mark = record.inFlight;
      const sameStep = mark !== undefined && mark.nodeId === node.id && mark.step === record.step;
      attempt = sameStep ? (markedHere ? mark.attempt : mark.attempt + 1) : 1;
      if (attempt > MAX_ATTEMPTS) {
        this.emit({ type: 'node.entered', ...this.base(), step: record.step, nodeId: node.id, nodeType: node.type, attempt });
        return {
          ok: false,
          error: {
            code: 'step_interrupted',
            message: `step "${node.id}" (${node.type}) was interrupted ${MAX_ATTEMPTS} times by a stopped runtime; it is not run again`,
          },
        };
      }
      if (!sameStep || !markedHere) await this.save({ inFlight: { nodeId: node.id, step: record.step, attempt } });
    }
    this.emit({ type: 'node.entered', ...this.base(), step: this.record.step, nodeId: node.id, nodeType: node.type, attempt });
    const { key, workspaceId, flowId, turn, step, context } = this.record;
    return runStep(
      node,
      context,
      {
        workspaceId,
        sessionKey: key,
        flowId,
        contact: context.contact,
        nodeId: node.id,
        nodeType: node.type,
        plugin: node.info.plugin?.manifest.name ?? 'core',
        turn,
        step,
        idempotencyKey: `${key}/${turn}/${step}/${node.id}`,
      },
      this.env,
    );
  }

  /** Applies a step's outcome, persists, and returns a result when the turn is over. */
  private async advance(node: CompiledNode, outcome: StepOutcome, durationMs: number): Promise<TurnResult | undefined> {
    const { step } = this.record;
    const context = { ...this.record.context };
    let event: string;
    let error: ErrorInfo | undefined;
    if (outcome.ok) {
      event = outcome.end === true ? END_EVENT : portEvent(outcome.port);
      if (outcome.output !== undefined) context.nodes = { ...context.nodes, [node.id]: { output: outcome.output } };
      context.vars = mergeVars(context.vars, outcome.vars);
      const output = summarize(outcome.output);
      const traced: TraceEvent = { type: 'node.port', ...this.base(), step, nodeId: node.id, nodeType: node.type, port: outcome.port, durationMs };
      if (output !== undefined) traced.output = output;
      this.emit(traced);
    } else {
      error = outcome.error;
      event = portEvent(ERROR_PORT);
      context.nodes = { ...context.nodes, [node.id]: { output: { error } } };
      this.emit({ type: 'node.error', ...this.base(), step, nodeId: node.id, nodeType: node.type, error, durationMs, handled: node.errorWired });
    }
    const state = this.flow.next(node.id, event) ?? IDLE_STATE;
    if (state === FAILED_STATE) {
      this.record = { ...this.record, context, step: step + 1 };
      return this.fail(error ?? { code: 'plugin_error', message: `node "${node.id}" failed` });
    }
    await this.save({ state, step: step + 1, context, inFlight: this.inFlightMarkFor(state, step + 1) });
    return undefined;
  }

  private async park(node: CompiledNode): Promise<TurnResult> {
    await this.save({ status: 'parked', inFlight: undefined });
    this.emit({ type: 'session.parked', ...this.base(), nodeId: node.id });
    return this.end({ status: 'parked', turn: this.record.turn, steps: this.record.step, parkedAt: node.id });
  }

  private async finish(status: 'ended'): Promise<TurnResult> {
    await this.save({ status: 'idle', state: IDLE_STATE, inFlight: undefined });
    return this.end({ status, turn: this.record.turn, steps: this.record.step });
  }

  /** An unhandled failure ends the run; the next message starts again at the trigger. */
  private async fail(error: ErrorInfo): Promise<TurnResult> {
    await this.save({ status: 'idle', state: IDLE_STATE, inFlight: undefined, lastError: error });
    return this.end({ status: 'failed', turn: this.record.turn, steps: this.record.step, error });
  }

  private end(result: TurnResult): TurnResult {
    const event: TraceEvent = { type: 'turn.ended', ...this.base(), status: result.status, steps: result.steps };
    if (result.error !== undefined) event.error = result.error;
    this.emit(event);
    return result;
  }
}

export function startTurn(record: SessionRecord, flow: CompiledFlow, env: TurnEnvironment, message: ChatMessage): Promise<TurnResult> {
  return new Turn(record, flow, env).start(message);
}

export function resumeTurn(record: SessionRecord, flow: CompiledFlow, env: TurnEnvironment): Promise<TurnResult> {
  return new Turn(record, flow, env).resume();
}
