import type { StepErrorCode } from '../errors.js';
import type { CallLimits, SandboxCode, SandboxRunRequest, SandboxRunResult } from './types.js';

/**
 * Per-workspace admission. A step waiting on a slow capability (an LLM reply takes seconds) holds
 * its slot, so these are sized for many live conversations per workspace; the server tunes them.
 */
export const DEFAULT_MAX_CONCURRENT_PER_WORKSPACE = 32;
export const DEFAULT_MAX_QUEUED_PER_WORKSPACE = 256;

export interface SandboxPoolOptions {
  /** Worker processes at most; they start on demand (default `os.availableParallelism()`). */
  size?: number;
  /** Defaults for every step's `ctx` limits; a request's `callLimits` override them. */
  callLimits?: Partial<CallLimits>;
  /** Runs of one workspace in the pool at once (default 32). */
  maxConcurrentPerWorkspace?: number;
  /** Runs of one workspace waiting for a slot (default 256); beyond it runs get `sandbox_busy`. */
  maxQueuedPerWorkspace?: number;
  /** Warm isolates per worker (default 16; about 3 MB each). */
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
