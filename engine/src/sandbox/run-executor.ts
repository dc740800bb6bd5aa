import { CapabilityGate } from './capability-gate.js';
import type { IsolateCache } from './isolate-cache.js';
import { limitMessages } from './limits.js';
import { PluginIsolate, type EntryResult } from './plugin-isolate.js';
import { outcomeOf, type Outcome } from './run-outcome.js';
import { isolateKey, type CapabilityResultMessage, type RunDoneMessage, type RunMessage, type WorkerToHost } from './worker-protocol.js';

interface WorkerRun {
  id: number;
  message: RunMessage;
  isolate: PluginIsolate;
  gate: CapabilityGate;
  /** `performance.now()` at which the step's time is up. */
  deadline: number;
  timer: NodeJS.Timeout;
  outcome?: Outcome;
  /** The step ran out of memory in a way the plugin could catch; rebuild the isolate after it. */
  retireIsolate?: boolean;
}

const LIST_TYPES_TIMEOUT_MS = 5_000;
const LIST_TYPES_MEMORY_MB = 64;
const MAX_TEST_HANG_MS = 60_000;

export interface RunExecutorOptions {
  cache: IsolateCache;
  testHooks: boolean;
  send(message: WorkerToHost): void;
}

/**
 * Runs steps inside a worker: builds or reuses the isolate, enters it synchronously under the step's
 * remaining time, relays capability calls through a `CapabilityGate`, and turns every way a step can
 * end into one `done` message. A step's wall-clock deadline is a timer here (isolated-vm's `timeout`
 * only covers synchronous execution: #318, #475, #518); the host's watchdog backs it up.
 */
export class RunExecutor {
  private readonly runs = new Map<number, WorkerRun>();

  constructor(private readonly options: RunExecutorOptions) {}

  start(message: RunMessage, code: string): void {
    this.expireOverdue();
    const waited = message.dispatchedAt > 0 ? Math.max(0, Date.now() - message.dispatchedAt) : 0;
    const remaining = message.timeoutMs - waited;
    if (remaining <= 0) {
      const failure = limitMessages.timeout(message.timeoutMs, 'it waited for a busy sandbox worker until its time ran out');
      this.sendDone(message.id, { ok: false, code: 'timeout', message: failure });
      return;
    }
    const isolate = this.isolateFor(message, code);
    if (typeof isolate === 'string') {
      this.sendDone(message.id, { ok: false, code: 'plugin_error', message: isolate });
      return;
    }
    const gate = new CapabilityGate(message.callLimits, message.capabilities, (call) => {
      this.options.send({ t: 'cap', runId: message.id, ...call });
    });
    const run: WorkerRun = {
      id: message.id,
      message,
      isolate,
      gate,
      deadline: performance.now() + remaining,
      timer: setTimeout(() => this.expire(run), remaining),
    };
    this.runs.set(run.id, run);
    isolate.runsInFlight.add(run.id);
    const declared = declaredNamespaces(message.capabilities, this.options.testHooks);
    const entry = isolate.start(remaining, [run.id, message.nodeType, message.inputJson, declared, message.callLimits.maxArgBytes]);
    this.afterEntry(run, entry);
  }

  capabilityResult(message: CapabilityResultMessage): void {
    this.expireOverdue();
    const run = this.runs.get(message.runId);
    if (run === undefined) return; // the step ended; its late results are dropped
    run.gate.settled();
    const remaining = run.deadline - performance.now();
    if (remaining <= 0) {
      this.expire(run);
      return;
    }
    const { maxResultBytes } = run.message.callLimits;
    let entry: EntryResult;
    if (!message.ok) {
      entry = run.isolate.deliver(remaining, [run.id, message.callId, false, message.message, message.code]);
    } else if (message.json !== undefined && Buffer.byteLength(message.json) > maxResultBytes) {
      const refusal = `capability_limit: the result of the call is larger than ${maxResultBytes} bytes (maxResultBytes)`;
      entry = run.isolate.deliver(remaining, [run.id, message.callId, false, refusal, 'capability_limit']);
    } else {
      entry = run.isolate.deliver(remaining, [run.id, message.callId, true, message.json, undefined]);
    }
    this.afterEntry(run, entry);
  }

  /**
   * Ends steps whose deadline passed while the thread was busy, before any new entry starts: their
   * timers may not have had a turn yet. This bounds when the host hears back (see the pool's watchdog).
   */
  expireOverdue(): void {
    if (this.runs.size === 0) return;
    const now = performance.now();
    for (const run of [...this.runs.values()]) if (run.deadline <= now) this.expire(run);
  }

  /** Node types a bundle exports, read in a throwaway isolate. */
  listTypes(pluginName: string, code: string): { ok: true; types: string[] } | { ok: false; message: string } {
    this.expireOverdue();
    let isolate: PluginIsolate | undefined;
    try {
      isolate = new PluginIsolate({
        key: 'list-exports',
        pluginName,
        code,
        memoryMb: LIST_TYPES_MEMORY_MB,
        testHooks: false,
        onHostCall: () => 'capability_failed: capabilities are not available while loading a bundle',
        onComplete: () => undefined,
      });
      const answer = JSON.parse(isolate.listTypes(LIST_TYPES_TIMEOUT_MS)) as { types?: unknown; error?: unknown };
      if (Array.isArray(answer.types)) return { ok: true, types: answer.types.filter((t): t is string => typeof t === 'string') };
      return { ok: false, message: typeof answer.error === 'string' ? answer.error : `${pluginName}: the bundle could not be loaded` };
    } catch (error) {
      return { ok: false, message: `${pluginName}: the bundle could not be loaded: ${errorText(error)}` };
    } finally {
      isolate?.dispose();
    }
  }

  private isolateFor(message: RunMessage, code: string): PluginIsolate | string {
    const { cache } = this.options;
    const key = isolateKey(message.workspaceId, message.pluginName, message.codeHash, message.memoryMb);
    const warm = cache.get(key);
    if (warm !== undefined) return warm;
    try {
      const isolate: PluginIsolate = new PluginIsolate({
        key,
        pluginName: message.pluginName,
        code,
        memoryMb: message.memoryMb,
        testHooks: this.options.testHooks,
        onHostCall: (runId, callId, namespace, method, argsJson): string | undefined => this.hostCall(isolate, { runId, callId, namespace, method, argsJson }),
        onComplete: (runId, kind, payload) => this.complete(isolate, runId, kind, payload),
      });
      cache.add(isolate);
      return isolate;
    } catch (error) {
      return `could not prepare an isolate for ${message.pluginName} (limits.memoryMb ${message.memoryMb}): ${errorText(error)}`;
    }
  }

  private hostCall(
    isolate: PluginIsolate,
    call: { runId: number; callId: number; namespace: string; method: string; argsJson: string },
  ): string | undefined {
    const run = this.runs.get(call.runId);
    if (run === undefined || run.isolate !== isolate || run.outcome !== undefined) {
      return `capability_failed: ctx.${call.namespace}.${call.method} was called after the step ended`;
    }
    if (call.namespace === 'test') return this.testHook(run, call.method, call.argsJson);
    return run.gate.request(call.callId, call.namespace, call.method, call.argsJson);
  }

  /** Only reachable when the pool was created with `testHooks: true` (S-05, watchdog tests). */
  private testHook(run: WorkerRun, method: string, argsJson: string): string {
    if (!this.options.testHooks || !run.message.capabilities.includes('test')) {
      return 'capability_not_declared: test (test hooks are off)';
    }
    if (method === 'abort') process.abort();
    if (method === 'hang') {
      const requested = Number((JSON.parse(argsJson) as unknown[])[0]);
      const until = Date.now() + Math.min(MAX_TEST_HANG_MS, Number.isFinite(requested) ? requested : MAX_TEST_HANG_MS);
      while (Date.now() < until) {
        // Blocks the worker's thread on purpose, outside any isolate timeout.
      }
    }
    return `capability_failed: test hook ${method} returned`;
  }

  private complete(isolate: PluginIsolate, runId: number, kind: string, payload: string): void {
    const run = this.runs.get(runId);
    if (run === undefined || run.isolate !== isolate || run.outcome !== undefined) return;
    const { outcome, retireIsolate } = outcomeOf(kind, payload, run.message);
    run.outcome = outcome;
    if (retireIsolate) run.retireIsolate = true;
    run.gate.close();
  }

  private afterEntry(run: WorkerRun, entry: EntryResult): void {
    switch (entry.kind) {
      case 'timeout': {
        const detail = run.outcome === undefined ? undefined : 'its code kept running after run() returned';
        this.breakIsolate(run, { ok: false, code: 'timeout', message: limitMessages.timeout(run.message.timeoutMs, detail) }, 'ran past its time limit');
        return;
      }
      case 'memory':
        this.breakIsolate(run, { ok: false, code: 'memory_limit', message: limitMessages.memory(run.message.memoryMb) }, 'ran out of memory');
        return;
      case 'unhandled': // Documented policy: an unhandled rejection inside plugin code is ignored (S-14).
      case 'ok':
        break;
    }
    if (run.outcome !== undefined) this.finish(run);
  }

  /** The isolate broke a limit mid-entry: dispose it; runs sharing it fail as retryable. */
  private breakIsolate(culprit: WorkerRun, failure: Outcome, reason: string): void {
    const { isolate } = culprit;
    this.options.cache.discard(isolate);
    for (const id of [...isolate.runsInFlight]) {
      const run = this.runs.get(id);
      if (run === undefined) continue;
      run.outcome =
        run === culprit
          ? failure
          : { ok: false, code: 'sandbox_crashed', message: limitMessages.isolateReset(run.message.pluginName, reason) };
      this.finish(run);
    }
  }

  /** The step's deadline passed while it was waiting: end it and rebuild its isolate once idle. */
  private expire(run: WorkerRun): void {
    if (!this.runs.has(run.id)) return;
    run.outcome = {
      ok: false,
      code: 'timeout',
      message: limitMessages.timeout(run.message.timeoutMs, 'it was still waiting on a promise or a capability call'),
    };
    this.options.cache.retire(run.isolate);
    this.finish(run);
  }

  private finish(run: WorkerRun): void {
    clearTimeout(run.timer);
    this.runs.delete(run.id);
    run.gate.close();
    run.isolate.runsInFlight.delete(run.id);
    if (run.retireIsolate === true) this.options.cache.retire(run.isolate);
    this.options.cache.runEnded(run.isolate);
    this.sendDone(run.id, run.outcome ?? { ok: false, code: 'plugin_error', message: 'the step ended without an outcome' });
  }

  private sendDone(id: number, outcome: Outcome): void {
    const evicted = this.options.cache.drainEvicted();
    const message: RunDoneMessage = outcome.ok
      ? { t: 'done', id, ok: true, json: outcome.json }
      : { t: 'done', id, ok: false, code: outcome.code, message: outcome.message };
    if (!outcome.ok && outcome.thrown !== undefined && !message.ok) message.thrown = outcome.thrown;
    if (evicted !== undefined) message.evicted = evicted;
    this.options.send(message);
  }
}

/** What `ctx` exposes: one namespace per declared capability, `http` for any `http:<host>`. */
function declaredNamespaces(capabilities: readonly string[], testHooks: boolean): string {
  const namespaces = new Set<string>();
  for (const capability of capabilities) {
    if (capability.startsWith('http:')) namespaces.add('http');
    else if (capability !== 'test' || testHooks) namespaces.add(capability);
  }
  return [...namespaces].join(',');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
