import ivm from 'isolated-vm';
import { BOOTSTRAP_SOURCE } from './bootstrap-source.js';
import { CAPABILITY_METHODS, TEST_HOOK_METHODS } from './capability-methods.js';
import { MAX_ERROR_MESSAGE_CHARS, MAX_OUTPUT_BYTES } from './limits.js';

/** Deepest nesting a step's output may have. */
const MAX_OUTPUT_DEPTH = 100;
/** Time the bootstrap (compile and freeze) may take; large bundles compile slowly. */
const BOOTSTRAP_TIMEOUT_MS = 10_000;
const TIMED_OUT = 'Script execution timed out.';

export interface PluginIsolateOptions {
  key: string;
  pluginName: string;
  code: string;
  memoryMb: number;
  testHooks: boolean;
  /** Plugin code asks for a capability; return a refusal (`"<code>: <message>"`) or undefined. */
  onHostCall(runId: number, callId: number, namespace: string, method: string, argsJson: string): string | undefined;
  /** The bootstrap reports how a run ended. */
  onComplete(runId: number, kind: string, payload: string): void;
}

/** How one synchronous entry into the isolate ended. */
export type EntryResult =
  | { kind: 'ok' }
  | { kind: 'timeout' }
  | { kind: 'memory' }
  /** An unhandled rejection inside the isolate, thrown by isolated-vm after the microtasks drained (#40). */
  | { kind: 'unhandled'; message: string };

/**
 * One warm isolate for one (workspace, plugin, code hash, memory limit), with its hardened realm.
 * Plugin code only ever runs inside `enter`, synchronously on the worker's thread, under a timeout:
 * `applySync` costs ~4 us where the async `apply` costs ~70 us, and a step's detached promise work
 * can then only run during its own step's entries (isolated-vm #273, #318).
 */
export class PluginIsolate {
  readonly key: string;
  readonly memoryMb: number;
  readonly runsInFlight = new Set<number>();
  runsServed = 0;
  retired = false;
  private readonly isolate: ivm.Isolate;
  private readonly context: ivm.Context;
  private readonly startRef: ivm.Reference<(...args: unknown[]) => void>;
  private readonly deliverRef: ivm.Reference<(...args: unknown[]) => void>;
  private readonly listTypesRef: ivm.Reference<() => string>;

  constructor(options: PluginIsolateOptions) {
    this.key = options.key;
    this.memoryMb = options.memoryMb;
    this.isolate = new ivm.Isolate({
      memoryLimit: options.memoryMb,
      // isolated-vm README: V8 lost control of the isolate; the only safe move is to end the process.
      onCatastrophicError: (message) => {
        process.stderr.write(`sandbox worker: catastrophic isolate error: ${message}\n`);
        process.abort();
      },
    });
    try {
      this.context = this.isolate.createContextSync();
      const methods: Record<string, readonly string[]> = { ...CAPABILITY_METHODS };
      if (options.testHooks) methods.test = TEST_HOOK_METHODS;
      const config = JSON.stringify({
        pluginName: options.pluginName,
        methods,
        maxOutputChars: MAX_OUTPUT_BYTES,
        maxMessageChars: MAX_ERROR_MESSAGE_CHARS,
        maxDepth: MAX_OUTPUT_DEPTH,
      });
      const hostCall = new ivm.Callback(
        (runId: number, callId: number, namespace: string, method: string, argsJson: string) =>
          options.onHostCall(runId, callId, namespace, method, argsJson),
      );
      const complete = new ivm.Callback((runId: number, kind: string, payload: string) => {
        options.onComplete(runId, kind, payload);
      });
      const api = this.context.evalClosureSync(BOOTSTRAP_SOURCE, [hostCall, complete, options.code, config], {
        timeout: BOOTSTRAP_TIMEOUT_MS,
        result: { reference: true },
      });
      this.startRef = api.getSync('start', { reference: true });
      this.deliverRef = api.getSync('deliver', { reference: true });
      this.listTypesRef = api.getSync('listTypes', { reference: true });
      api.release();
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  start(timeoutMs: number, args: [runId: number, nodeType: string, inputJson: string, declared: string, maxArgChars: number]): EntryResult {
    return this.enter(this.startRef, args, timeoutMs);
  }

  deliver(
    timeoutMs: number,
    args: [runId: number, callId: number, ok: boolean, payload: string | undefined, code: string | undefined],
  ): EntryResult {
    return this.enter(this.deliverRef, args, timeoutMs);
  }

  listTypes(timeoutMs: number): string {
    return this.listTypesRef.applySync(undefined, [], { timeout: timeoutMs });
  }

  /** Heap in use plus external memory, as a share of the memory limit. */
  heapShare(): number {
    const heap = this.isolate.getHeapStatisticsSync();
    return (heap.used_heap_size + heap.externally_allocated_size) / (this.memoryMb * 1024 * 1024);
  }

  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  private enter(ref: ivm.Reference<(...args: never[]) => unknown>, args: unknown[], timeoutMs: number): EntryResult {
    const startedAt = performance.now();
    try {
      ref.applySync(undefined, args as never[], { timeout: Math.max(1, Math.ceil(timeoutMs)) });
      return { kind: 'ok' };
    } catch (error) {
      // The worker never disposes an isolate mid-entry, so a disposal here is isolated-vm's memory limit.
      if (this.isolate.isDisposed) return { kind: 'memory' };
      const message = error instanceof Error ? error.message : String(error);
      // A plugin can reject with this text itself; only a real overrun of the entry counts.
      if (message === TIMED_OUT && performance.now() - startedAt >= timeoutMs - 1) return { kind: 'timeout' };
      return { kind: 'unhandled', message };
    }
  }
}
