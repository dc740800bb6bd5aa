export { createSandboxPool, type SandboxPool, type SandboxPoolOptions, type SandboxPoolStats, type SandboxWorkerStats } from './pool.js';
export { DEFAULT_CALL_LIMITS, MAX_OUTPUT_BYTES } from './limits.js';
export type {
  CallLimits,
  CapabilityCall,
  NodeRunOutput,
  RunStats,
  SandboxCode,
  SandboxRunRequest,
  SandboxRunResult,
  ThrownInfo,
} from './types.js';
