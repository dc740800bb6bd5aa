import { availableParallelism } from 'node:os';
import { NexusError, STEP_ERROR_CODES, type StepErrorCode } from '../errors.js';
import { answerCapabilityCall, type CapabilityLedger } from './capability-host.js';
import {
  clampStepLimits,
  DEFAULT_MAX_MEMORY_MB,
  DEFAULT_MAX_TIMEOUT_MS,
  limitMessages,
  MAX_ERROR_MESSAGE_CHARS,
  resolveCallLimits,
  type StepLimits,
} from './limits.js';
import type { CallLimits, NodeRunOutput, SandboxCode, SandboxRunRequest, SandboxRunResult } from './types.js';
import { Watchdog } from './watchdog.js';
import { WorkerProcess } from './worker-process.js';
import { isolateKey, type RunDoneMessage, type RunMessage, type ThrownInfo, type WorkerToHost } from './worker-protocol.js';
import { WorkspaceGate } from './workspace-gate.js';

export interface SandboxPoolOptions {
  /** Worker processes at most; they start on demand (default `os.availableParallelism()`). */
  size?: number;
  /** Defaults for every step's `ctx` limits; a request's `callLimits` override them. */
  callLimits?: Partial<CallLimits>;
  /** Runs of one workspace in the pool at once (default 4). */
  maxConcurrentPerWorkspace?: number;
  /** Runs of one workspace waiting for a slot (default 16); beyond it runs get `sandbox_busy`. */
  maxQueuedPerWorkspace?: number;
  /** Warm isolates per worker (default 32). */
  maxIsolatesPerWorker?: number;
  /** Runs after which an isolate is rebuilt (default 5000). */
  recycleAfterRuns?: number;
  /** Upper bounds for manifest limits (defaults 60 000 ms and 512 MiB). */
  maxTimeoutMs?: number;
  maxMemoryMb?: number;
  /** Time the host waits past a step's deadline before it kills the worker (default 3000 ms). */
  watchdogGraceMs?: number;
  /** Time a new worker may take to start (default 20 000 ms). */
  startTimeoutMs?: number;
  /** Test-only: workers offer `ctx.test.abort()` and `ctx.test.hang(ms)` to steps declaring `test`. */
  testHooks?: boolean;
}

export interface SandboxWorkerStats {
  pid: number;
  ready: boolean;
  /** Runs and export listings in flight. */
  inFlight: number;
  /** Runs sent to this worker so far. */
  runs: number;
  /** Isolates the pool believes the worker holds warm. */
  warmIsolates: number;
}

export interface SandboxPoolStats {
  workers: SandboxWorkerStats[];
  workersStarted: number;
  /** Workers that died while the pool was open (crash, abort, kill). */
  workerCrashes: number;
  runsStarted: number;
  runsSucceeded: number;
  runsFailed: number;
  failuresByCode: Partial<Record<StepErrorCode, number>>;
  runsInFlight: number;
  runsQueued: number;
  capabilityCallsInFlight: number;
}

export interface SandboxPool {
  /** Runs one step. Never rejects for plugin faults: those are results with an error code. */
  run(request: SandboxRunRequest): Promise<SandboxRunResult>;
  /** Node types a bundle exports; rejects with `plugin_invalid` when it does not load. */
  listExports(code: SandboxCode): Promise<string[]>;
  stats(): SandboxPoolStats;
  workerPids(): number[];
  /** Stops the workers; runs still in flight end with `step_interrupted`. */
  close(): Promise<void>;
}

interface HostRun extends CapabilityLedger {
  id: number;
  key: string;
  worker: WorkerProcess;
  limits: StepLimits;
  inputJson: string;
  startedAt: number;
  /** The watchdog fired: the worker is being killed because of this run. */
  overdue: boolean;
  resolve(result: SandboxRunResult): void;
}

interface PendingExport {
  worker: WorkerProcess;
  pluginName: string;
  timer: NodeJS.Timeout;
  resolve(types: string[]): void;
  reject(error: Error): void;
}

const STEP_CODES = new Set<string>(STEP_ERROR_CODES);
const LIST_EXPORTS_TIMEOUT_MS = 10_000;
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * A pool of sandbox worker processes that run plugin steps in isolated-vm isolates.
 *
 * @example
 * const pool = createSandboxPool({ size: 2 });
 * const result = await pool.run({ workspaceId: 'w1', plugin: code, nodeType: 'acme/echo', input: {},
 *   limits: { timeoutMs: 2000, memoryMb: 32 }, capabilities: ['kv'], onCapabilityCall: (call) => kv(call) });
 * await pool.close();
 */
export function createSandboxPool(options: SandboxPoolOptions = {}): SandboxPool {
  const size = Math.max(1, options.size ?? availableParallelism());
  const maxLimits = { timeoutMs: options.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS, memoryMb: options.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB };
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const workerConfig = {
    maxIsolates: Math.max(1, options.maxIsolatesPerWorker ?? 32),
    recycleAfterRuns: Math.max(1, options.recycleAfterRuns ?? 5_000),
    recycleAtHeapShare: 0.7,
    maxCodeChars: 64 * 1024 * 1024,
  };
  const gate = new WorkspaceGate({
    maxConcurrent: Math.max(1, options.maxConcurrentPerWorkspace ?? 4),
    maxQueued: Math.max(0, options.maxQueuedPerWorkspace ?? 16),
  });
  const workers: WorkerProcess[] = [];
  const runs = new Map<number, HostRun>();
  const exportsPending = new Map<number, PendingExport>();
  const counters = { workersStarted: 0, workerCrashes: 0, runsStarted: 0, runsSucceeded: 0, runsFailed: 0 };
  const failuresByCode: Partial<Record<StepErrorCode, number>> = {};
  let nextId = 1;
  let closed = false;

  const watchdog = new Watchdog(options.watchdogGraceMs ?? 3_000, (runId) => {
    const run = runs.get(runId);
    if (run === undefined) return;
    run.overdue = true;
    run.worker.kill();
  });

  function spawn(): WorkerProcess {
    const worker = new WorkerProcess({
      config: workerConfig,
      testHooks: options.testHooks === true,
      startTimeoutMs,
      onMessage: receive,
      onExit: workerExited,
    });
    workers.push(worker);
    counters.workersStarted += 1;
    return worker;
  }

  /** A worker already warm for the key and idle, else any idle one, else a new one, else the least loaded. */
  function pickWorker(key: string): WorkerProcess {
    let idle: WorkerProcess | undefined;
    for (const worker of workers) {
      if (worker.dead || worker.inFlight > 0) continue;
      if (worker.warmKeys.has(key)) return worker;
      idle ??= worker;
    }
    if (idle !== undefined) return idle;
    const live = workers.filter((worker) => !worker.dead);
    if (live.length < size) return spawn();
    let best = live[0] as WorkerProcess;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const worker of live) {
      const score = worker.inFlight + (worker.warmKeys.has(key) ? 0 : 1);
      if (score < bestScore) {
        best = worker;
        bestScore = score;
      }
    }
    return best;
  }

  function receive(worker: WorkerProcess, message: WorkerToHost): void {
    switch (message.t) {
      case 'done': {
        const run = runs.get(message.id);
        if (run === undefined || run.worker !== worker) return;
        if (Array.isArray(message.evicted)) for (const key of message.evicted) worker.warmKeys.delete(key);
        settle(run, resultFromWorker(run, message));
        return;
      }
      case 'cap': {
        const run = runs.get(message.runId);
        if (run === undefined || run.worker !== worker) return;
        answerCapabilityCall(run, message, (answer) => worker.send(answer));
        return;
      }
      case 'need-code': {
        const run = runs.get(message.id);
        if (run !== undefined && run.worker === worker) sendRun(run, true);
        return;
      }
      case 'exports': {
        const pending = exportsPending.get(message.id);
        if (pending === undefined || pending.worker !== worker) return;
        finishExport(message.id, pending);
        if (message.ok && Array.isArray(message.types)) pending.resolve(message.types.filter((t) => typeof t === 'string'));
        else pending.reject(new NexusError('plugin_invalid', message.ok ? `${pending.pluginName}: no export list` : String(message.message)));
        return;
      }
      case 'ready':
        return;
    }
  }

  function workerExited(worker: WorkerProcess, how: string): void {
    const index = workers.indexOf(worker);
    if (index >= 0) workers.splice(index, 1);
    if (!closed) counters.workerCrashes += 1;
    for (const id of [...worker.runIds]) {
      const run = runs.get(id);
      if (run === undefined) continue;
      const plugin = run.request.plugin.pluginName;
      if (closed) settle(run, failure(run, 'step_interrupted', `the sandbox pool closed while running ${plugin}`));
      else if (run.overdue) {
        settle(run, failure(run, 'timeout', limitMessages.timeout(run.limits.timeoutMs, 'the sandbox worker stopped answering and was restarted')));
      } else settle(run, failure(run, 'sandbox_crashed', limitMessages.crashed(how, plugin)));
    }
    for (const [id, pending] of exportsPending) {
      if (pending.worker !== worker) continue;
      finishExport(id, pending);
      pending.reject(new NexusError('plugin_invalid', `${pending.pluginName}: the sandbox worker exited (${how}) while loading the bundle`));
    }
  }

  function sendRun(run: HostRun, withCode: boolean): void {
    const { request, worker } = run;
    const message: RunMessage = {
      t: 'run',
      id: run.id,
      workspaceId: request.workspaceId,
      pluginName: request.plugin.pluginName,
      codeHash: request.plugin.codeHash,
      nodeType: request.nodeType,
      inputJson: run.inputJson,
      timeoutMs: run.limits.timeoutMs,
      memoryMb: run.limits.memoryMb,
      capabilities: [...request.capabilities],
      callLimits: run.callLimits,
    };
    if (withCode || !worker.codeHashes.has(request.plugin.codeHash)) {
      message.code = request.plugin.code;
      worker.codeHashes.add(request.plugin.codeHash);
    }
    worker.send(message);
  }

  function failure(run: HostRun | undefined, code: StepErrorCode, message: string): SandboxRunResult {
    const wallMicros = run === undefined ? 0 : Math.round((performance.now() - run.startedAt) * 1000);
    return {
      ok: false,
      error: { code, message },
      stats: { wallMicros, capabilityCalls: run?.calls ?? 0, workerPid: run?.worker.pid ?? 0 },
    };
  }

  function settle(run: HostRun, result: SandboxRunResult): void {
    if (run.ended) return;
    run.ended = true;
    runs.delete(run.id);
    watchdog.disarm(run.id);
    run.worker.runIds.delete(run.id);
    run.worker.end();
    if (result.ok) counters.runsSucceeded += 1;
    else {
      counters.runsFailed += 1;
      failuresByCode[result.error.code] = (failuresByCode[result.error.code] ?? 0) + 1;
    }
    run.resolve(result);
  }

  /** The worker is untrusted: its answer is re-checked and rebuilt as plain data. */
  function resultFromWorker(run: HostRun, message: RunDoneMessage): SandboxRunResult {
    const stats = {
      wallMicros: Math.round((performance.now() - run.startedAt) * 1000),
      capabilityCalls: run.calls,
      workerPid: run.worker.pid,
    };
    if (!message.ok) {
      const code = STEP_CODES.has(message.code) ? message.code : 'sandbox_crashed';
      const text = typeof message.message === 'string' ? message.message.slice(0, MAX_ERROR_MESSAGE_CHARS + 200) : 'step failed';
      const result: SandboxRunResult = { ok: false, error: { code, message: text }, stats };
      const thrown = plainThrown(message.thrown);
      if (thrown !== undefined) result.error.thrown = thrown;
      return result;
    }
    const value = parseOutput(typeof message.json === 'string' ? message.json : '');
    if (value === undefined) return failure(run, 'invalid_output', `${run.request.plugin.pluginName}: the sandbox returned a malformed result`);
    return { ok: true, value, stats };
  }

  async function run(request: SandboxRunRequest): Promise<SandboxRunResult> {
    if (closed) return failure(undefined, 'step_interrupted', 'the sandbox pool is closed');
    const limits = clampStepLimits(request.limits, maxLimits);
    if (!gate.tryAcquire(request.workspaceId)) {
      const waiting = gate.wait(request.workspaceId, limits.timeoutMs);
      const outcome = waiting === undefined ? 'full' : await waiting;
      if (outcome !== 'granted') {
        return failure(
          undefined,
          outcome === 'closed' ? 'step_interrupted' : 'sandbox_busy',
          outcome === 'closed'
            ? 'the sandbox pool closed while the step waited'
            : `workspace ${request.workspaceId} already has ${options.maxConcurrentPerWorkspace ?? 4} steps running and ${
                outcome === 'full' ? 'its queue is full' : `no slot freed up within ${limits.timeoutMs} ms`
              }; try again shortly`,
        );
      }
      if (closed) {
        gate.release(request.workspaceId);
        return failure(undefined, 'step_interrupted', 'the sandbox pool is closed');
      }
    }
    try {
      return await dispatch(request, limits);
    } finally {
      gate.release(request.workspaceId);
    }
  }

  function dispatch(request: SandboxRunRequest, limits: StepLimits): Promise<SandboxRunResult> {
    let inputJson: string;
    try {
      inputJson = JSON.stringify(request.input ?? null);
    } catch (error) {
      throw new TypeError(`the input of ${request.nodeType} is not JSON data: ${(error as Error).message}`);
    }
    const key = isolateKey(request.workspaceId, request.plugin.pluginName, request.plugin.codeHash, limits.memoryMb);
    const worker = pickWorker(key);
    counters.runsStarted += 1;
    return new Promise<SandboxRunResult>((resolve) => {
      const hostRun: HostRun = {
        id: nextId++,
        key,
        worker,
        limits,
        inputJson,
        request,
        callLimits: resolveCallLimits(options.callLimits, request.callLimits),
        calls: 0,
        callsInFlight: 0,
        ended: false,
        overdue: false,
        startedAt: performance.now(),
        resolve,
      };
      runs.set(hostRun.id, hostRun);
      worker.runIds.add(hostRun.id);
      worker.begin(true);
      worker.warmKeys.add(key);
      watchdog.arm(hostRun.id, limits.timeoutMs + (worker.ready ? 0 : startTimeoutMs));
      sendRun(hostRun, false);
    });
  }

  function finishExport(id: number, pending: PendingExport): void {
    exportsPending.delete(id);
    clearTimeout(pending.timer);
    pending.worker.end();
  }

  function listExports(code: SandboxCode): Promise<string[]> {
    if (closed) return Promise.reject(new NexusError('plugin_invalid', 'the sandbox pool is closed'));
    const worker = pickWorker('list-exports');
    const id = nextId++;
    return new Promise<string[]>((resolve, reject) => {
      const pending: PendingExport = {
        worker,
        pluginName: code.pluginName,
        resolve,
        reject,
        timer: setTimeout(() => {
          finishExport(id, pending);
          worker.kill();
          reject(new NexusError('plugin_invalid', `${code.pluginName}: loading the bundle did not finish within ${LIST_EXPORTS_TIMEOUT_MS} ms`));
        }, LIST_EXPORTS_TIMEOUT_MS + (worker.ready ? 0 : startTimeoutMs)),
      };
      pending.timer.unref();
      exportsPending.set(id, pending);
      worker.begin(false);
      worker.send({ t: 'exports', id, pluginName: code.pluginName, code: code.code });
    });
  }

  function stats(): SandboxPoolStats {
    let capabilityCallsInFlight = 0;
    for (const hostRun of runs.values()) capabilityCallsInFlight += hostRun.callsInFlight;
    return {
      workers: workers.map((worker) => ({
        pid: worker.pid,
        ready: worker.ready,
        inFlight: worker.inFlight,
        runs: worker.runs,
        warmIsolates: worker.warmKeys.size,
      })),
      ...counters,
      failuresByCode: { ...failuresByCode },
      runsInFlight: runs.size,
      runsQueued: gate.queued,
      capabilityCallsInFlight,
    };
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    gate.closeAll();
    watchdog.disarmAll();
    await Promise.all([...workers].map((worker) => worker.shutdown(SHUTDOWN_GRACE_MS)));
  }

  return { run, listExports, stats, workerPids: () => workers.filter((w) => !w.dead).map((w) => w.pid), close };
}

function parseOutput(json: string): NodeRunOutput | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { port, output, vars } = parsed as Record<string, unknown>;
  if (port !== undefined && typeof port !== 'string') return undefined;
  if (vars !== undefined && (vars === null || typeof vars !== 'object' || Array.isArray(vars))) return undefined;
  const value: NodeRunOutput = {};
  if (port !== undefined) value.port = port;
  if (output !== undefined) value.output = output;
  if (vars !== undefined) value.vars = vars as Record<string, unknown>;
  return value;
}

function plainThrown(thrown: ThrownInfo | undefined): ThrownInfo | undefined {
  if (thrown === null || typeof thrown !== 'object') return undefined;
  if (typeof thrown.name !== 'string' || typeof thrown.message !== 'string') return undefined;
  const plain: ThrownInfo = { name: thrown.name.slice(0, 100), message: thrown.message.slice(0, MAX_ERROR_MESSAGE_CHARS + 3) };
  if (typeof thrown.code === 'string') plain.code = thrown.code.slice(0, 103);
  return plain;
}
