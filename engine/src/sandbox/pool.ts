import { availableParallelism } from 'node:os';
import { NexusError, type StepErrorCode } from '../errors.js';
import { answerCapabilityCall, type CapabilityLedger } from './capability-host.js';
import { ExportRequests } from './export-requests.js';
import { clampStepLimits, DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_TIMEOUT_MS, limitMessages, resolveCallLimits, type StepLimits } from './limits.js';
import type { SandboxPool, SandboxPoolOptions, SandboxPoolStats } from './pool-types.js';
import { DEFAULT_MAX_CONCURRENT_PER_WORKSPACE, DEFAULT_MAX_QUEUED_PER_WORKSPACE } from './pool-types.js';
import { failureResult, resultFromWorker } from './run-result.js';
import type { RunStats, SandboxCode, SandboxRunRequest, SandboxRunResult } from './types.js';
import { Watchdog } from './watchdog.js';
import { chooseWorker } from './worker-choice.js';
import { WorkerProcess } from './worker-process.js';
import { isolateKey, type RunMessage, type WorkerToHost } from './worker-protocol.js';
import { WorkspaceGate } from './workspace-gate.js';

export type { SandboxPool, SandboxPoolOptions, SandboxPoolStats, SandboxWorkerStats } from './pool-types.js';

interface HostRun extends CapabilityLedger {
  id: number;
  key: string;
  worker: WorkerProcess;
  limits: StepLimits;
  inputJson: string;
  startedAt: number;
  /** Built on first send and reused when the worker asks for the code again, keeping its time stamp. */
  message?: RunMessage;
  /** `performance.now()` by which a healthy worker answers (step limit, plus start-up for a new worker). */
  deadline: number;
  /** The watchdog already gave the worker until the latest deadline of what held this run up. */
  rearmed: boolean;
  /** The watchdog fired: the worker is being killed because of this run. */
  overdue: boolean;
  resolve(result: SandboxRunResult): void;
}

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
    maxIsolates: Math.max(1, options.maxIsolatesPerWorker ?? 16),
    recycleAfterRuns: Math.max(1, options.recycleAfterRuns ?? 5_000),
    recycleAtHeapShare: 0.7,
    maxCodeChars: 64 * 1024 * 1024,
  };
  const gate = new WorkspaceGate({
    maxConcurrent: Math.max(1, options.maxConcurrentPerWorkspace ?? DEFAULT_MAX_CONCURRENT_PER_WORKSPACE),
    maxQueued: Math.max(0, options.maxQueuedPerWorkspace ?? DEFAULT_MAX_QUEUED_PER_WORKSPACE),
  });
  const workers: WorkerProcess[] = [];
  const runs = new Map<number, HostRun>();
  const exportRequests = new ExportRequests();
  const counters = { workersStarted: 0, workerCrashes: 0, runsStarted: 0, runsSucceeded: 0, runsFailed: 0 };
  const failuresByCode: Partial<Record<StepErrorCode, number>> = {};
  let nextId = 1;
  let closed = false;

  // A worker runs one synchronous entry at a time, each bounded by its own deadline, and expires
  // overdue steps before it starts another entry. So a step is answered once every entry that began
  // before its deadline has ended: the worker is stuck only when that later bound has passed too.
  const graceMs = options.watchdogGraceMs ?? 3_000;
  const watchdog = new Watchdog(graceMs, (runId) => {
    const run = runs.get(runId);
    if (run === undefined) return undefined;
    if (!run.rearmed) {
      run.rearmed = true;
      const latest = latestBlockingDeadline(run);
      if (latest > run.deadline + 1) return latest;
    }
    run.overdue = true;
    run.worker.kill();
    return undefined;
  });

  function latestBlockingDeadline(run: HostRun): number {
    let latest = run.deadline;
    for (const id of run.worker.runIds) {
      const other = runs.get(id);
      if (other !== undefined && other.startedAt <= run.deadline) latest = Math.max(latest, other.deadline);
    }
    return Math.max(latest, exportRequests.latestDeadline(run.worker, run.deadline));
  }

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

  function pickWorker(key: string): WorkerProcess {
    return chooseWorker(workers, key, size) ?? spawn();
  }

  function receive(worker: WorkerProcess, message: WorkerToHost): void {
    switch (message.t) {
      case 'done': {
        const run = runs.get(message.id);
        if (run === undefined || run.worker !== worker) return;
        if (Array.isArray(message.evicted)) for (const key of message.evicted) worker.warmKeys.delete(key);
        settle(run, resultFromWorker(message, statsOf(run), run.request.plugin.pluginName));
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
      case 'exports':
        exportRequests.answer(worker, message.id, message);
        return;
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
      else if (run.overdue || performance.now() > run.deadline + graceMs) {
        settle(run, failure(run, 'timeout', limitMessages.timeout(run.limits.timeoutMs, 'the sandbox worker stopped answering and was restarted')));
      } else settle(run, failure(run, 'sandbox_crashed', limitMessages.crashed(how, plugin)));
    }
    exportRequests.workerExited(worker, how);
  }

  function sendRun(run: HostRun, withCode: boolean): void {
    const { request, worker } = run;
    const message: RunMessage = run.message ?? {
      t: 'run',
      id: run.id,
      workspaceId: request.workspaceId,
      pluginName: request.plugin.pluginName,
      codeHash: request.plugin.codeHash,
      nodeType: request.nodeType,
      inputJson: run.inputJson,
      dispatchedAt: 0,
      timeoutMs: run.limits.timeoutMs,
      memoryMb: run.limits.memoryMb,
      capabilities: [...request.capabilities],
      callLimits: run.callLimits,
    };
    run.message = message;
    if (withCode || !worker.codeHashes.has(request.plugin.codeHash)) {
      message.code = request.plugin.code;
      worker.codeHashes.add(request.plugin.codeHash);
    }
    worker.send(message);
  }

  function statsOf(run: HostRun | undefined): RunStats {
    if (run === undefined) return { wallMicros: 0, capabilityCalls: 0, workerPid: 0 };
    return { wallMicros: Math.round((performance.now() - run.startedAt) * 1000), capabilityCalls: run.calls, workerPid: run.worker.pid };
  }

  function failure(run: HostRun | undefined, code: StepErrorCode, message: string): SandboxRunResult {
    return failureResult(code, message, statsOf(run));
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
            : `workspace ${request.workspaceId} already has ${options.maxConcurrentPerWorkspace ?? DEFAULT_MAX_CONCURRENT_PER_WORKSPACE} steps running and ${
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
      const startedAt = performance.now();
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
        rearmed: false,
        startedAt,
        deadline: startedAt + limits.timeoutMs + (worker.ready ? 0 : startTimeoutMs),
        resolve,
      };
      runs.set(hostRun.id, hostRun);
      worker.runIds.add(hostRun.id);
      worker.begin(true);
      worker.warmKeys.add(key);
      watchdog.arm(hostRun.id, hostRun.deadline);
      sendRun(hostRun, false);
    });
  }

  function listExports(code: SandboxCode): Promise<string[]> {
    if (closed) return Promise.reject(new NexusError('plugin_invalid', 'the sandbox pool is closed'));
    const worker = pickWorker('list-exports');
    return exportRequests.send(nextId++, worker, code, worker.ready ? 0 : startTimeoutMs);
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
