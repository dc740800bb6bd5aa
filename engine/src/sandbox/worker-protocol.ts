import type { StepErrorCode } from '../errors.js';
import type { CallLimits, ThrownInfo } from './types.js';

/**
 * Messages between the pool (host) and a sandbox worker process, over the Node IPC channel with
 * `serialization: 'advanced'`. Plugin data always travels as JSON text; the host treats everything a
 * worker sends as untrusted data, since a worker is where hostile code runs.
 */

/** Set to `1` in a worker's environment only when the pool was created with `testHooks: true`. */
export const TEST_HOOKS_ENV = 'NEXUSFLOW_SANDBOX_TEST_HOOKS';

/** JSON of `WorkerConfig`, passed to every worker. */
export const WORKER_CONFIG_ENV = 'NEXUSFLOW_SANDBOX_WORKER_CONFIG';

export interface WorkerConfig {
  maxIsolates: number;
  recycleAfterRuns: number;
  recycleAtHeapShare: number;
  maxCodeChars: number;
}

export interface RunMessage {
  t: 'run';
  id: number;
  workspaceId: string;
  pluginName: string;
  codeHash: string;
  /** Sent once per code hash and worker; the worker answers `need-code` when it lacks it. */
  code?: string;
  nodeType: string;
  inputJson: string;
  /**
   * `Date.now()` when the message was written to a ready worker (0 until then): the step's time limit
   * runs from here, so time spent queued behind another step's entry counts, a worker's start-up does not.
   */
  dispatchedAt: number;
  timeoutMs: number;
  memoryMb: number;
  capabilities: string[];
  callLimits: CallLimits;
}

export type CapabilityResultMessage =
  | { t: 'cap-result'; runId: number; callId: number; ok: true; json: string | undefined }
  | { t: 'cap-result'; runId: number; callId: number; ok: false; code: string; message: string };

export type HostToWorker =
  | RunMessage
  | CapabilityResultMessage
  | { t: 'exports'; id: number; pluginName: string; code: string }
  | { t: 'shutdown' };

export type { ThrownInfo };

export type RunDoneMessage =
  | { t: 'done'; id: number; ok: true; json: string; evicted?: string[] }
  | { t: 'done'; id: number; ok: false; code: StepErrorCode; message: string; thrown?: ThrownInfo; evicted?: string[] };

export interface CapabilityCallMessage {
  t: 'cap';
  runId: number;
  callId: number;
  capability: string;
  method: string;
  argsJson: string;
}

export type WorkerToHost =
  | { t: 'ready'; pid: number }
  | { t: 'need-code'; id: number }
  | CapabilityCallMessage
  | RunDoneMessage
  | { t: 'exports'; id: number; ok: true; types: string[] }
  | { t: 'exports'; id: number; ok: false; message: string };

/** Warm isolates are keyed by workspace, plugin, code hash and memory limit (RELIABILITY.md §1.10). */
export function isolateKey(workspaceId: string, pluginName: string, codeHash: string, memoryMb: number): string {
  return JSON.stringify([workspaceId, pluginName, codeHash, memoryMb]);
}
