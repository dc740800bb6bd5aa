import type { StepErrorCode } from '../errors.js';

/** Plugin code as the sandbox receives it: one CommonJS-style bundle, identified by its hash. */
export interface SandboxCode {
  pluginName: string;
  /** sha256 hex of `code`; isolates are cached per (workspace, plugin, codeHash). */
  codeHash: string;
  /** Bundled JavaScript that assigns `module.exports` (esbuild `format: 'cjs'`). */
  code: string;
}

/** A capability call made by plugin code through `ctx`, already copied out of the isolate. */
export interface CapabilityCall {
  /** Declared capability, e.g. `kv` or `http:api.example.com`. */
  capability: string;
  method: string;
  args: unknown[];
}

/** Limits on the `ctx` bridge for one step. */
export interface CallLimits {
  /** Capability calls that may be pending at once. */
  maxInFlight: number;
  /** Capability calls in one step. */
  maxCallsPerStep: number;
  /** Bytes of serialized arguments of one call. */
  maxArgBytes: number;
  /** Bytes of serialized result of one call. */
  maxResultBytes: number;
}

export interface SandboxRunRequest {
  workspaceId: string;
  plugin: SandboxCode;
  nodeType: string;
  /** A JSON-serializable value; the plugin receives a copy as `input`. */
  input: unknown;
  limits: { timeoutMs: number; memoryMb: number };
  /** Capabilities the node's manifest declares; `ctx` exposes these and nothing else. */
  capabilities: readonly string[];
  /** Host side of `ctx`: only called for declared capabilities, within the call limits. */
  onCapabilityCall(call: CapabilityCall): Promise<unknown>;
  /** Overrides the pool's call limits for this step (defaults: 8 in flight, 100 per step, 256 KiB, 1 MiB). */
  callLimits?: Partial<CallLimits>;
}

/** What plugin code threw, copied out of the isolate as plain data; no plugin getter ever ran for it. */
export interface ThrownInfo {
  name: string;
  /** At most 2,000 characters. */
  message: string;
  /** The thrown value's own string `code`, when it had one. */
  code?: string;
}

/** What a node's `run` returned, checked for shape and size and copied out as plain data. */
export interface NodeRunOutput {
  port?: string;
  output?: unknown;
  vars?: Record<string, unknown>;
}

export type SandboxRunResult =
  | { ok: true; value: NodeRunOutput; stats: RunStats }
  | { ok: false; error: { code: StepErrorCode; message: string; thrown?: ThrownInfo }; stats: RunStats };

export interface RunStats {
  /** Wall time of the step as seen by the host, in microseconds. */
  wallMicros: number;
  /** Capability calls that reached `onCapabilityCall`. */
  capabilityCalls: number;
  /** 0 when the run never reached a worker (refused as busy, or the pool was closed). */
  workerPid: number;
}
