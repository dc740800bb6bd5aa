import type { CallLimits } from './types.js';

/** Call limits a step gets unless the pool or the request says otherwise (RELIABILITY.md rule 4). */
export const DEFAULT_CALL_LIMITS: Readonly<CallLimits> = Object.freeze({
  maxInFlight: 8,
  maxCallsPerStep: 100,
  maxArgBytes: 256 * 1024,
  maxResultBytes: 1024 * 1024,
});

/** Largest serialized `{ port, output, vars }` a step may return. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Thrown error messages are cut to this many characters before they leave the isolate. */
export const MAX_ERROR_MESSAGE_CHARS = 2_000;
/** isolated-vm refuses memory limits below 8 MB. */
export const MIN_MEMORY_MB = 8;

export const DEFAULT_MAX_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_MEMORY_MB = 512;

/** Limits of one step after clamping the manifest's values to what the pool allows. */
export interface StepLimits {
  timeoutMs: number;
  memoryMb: number;
}

export function clampStepLimits(
  requested: { timeoutMs: number; memoryMb: number },
  max: { timeoutMs: number; memoryMb: number },
): StepLimits {
  const timeoutMs = clampInteger(requested.timeoutMs, 1, max.timeoutMs);
  const memoryMb = clampInteger(requested.memoryMb, MIN_MEMORY_MB, max.memoryMb);
  return { timeoutMs, memoryMb };
}

export function resolveCallLimits(...layers: (Partial<CallLimits> | undefined)[]): CallLimits {
  const limits: CallLimits = { ...DEFAULT_CALL_LIMITS };
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const key of Object.keys(limits) as (keyof CallLimits)[]) {
      const value = layer[key];
      if (value !== undefined) limits[key] = clampInteger(value, 1, Number.MAX_SAFE_INTEGER);
    }
  }
  return limits;
}

function clampInteger(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return max;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** Human sentences for the limits a step can break; each names the manifest field to change. */
export const limitMessages = {
  timeout: (timeoutMs: number, detail?: string) =>
    `step exceeded its ${timeoutMs} ms time limit (limits.timeoutMs in plugin.json)${detail === undefined ? '' : `; ${detail}`}`,
  memory: (memoryMb: number) => `step exceeded its ${memoryMb} MiB memory limit (limits.memoryMb in plugin.json)`,
  crashed: (how: string, plugin: string) => `sandbox worker crashed (${how}) while running ${plugin}`,
  isolateReset: (plugin: string, reason: string) =>
    `the isolate running ${plugin} was reset because another step of the same plugin in this workspace ${reason}; the step can be retried`,
  outputTooLarge: (maxBytes: number) =>
    `step returned more than ${maxBytes} bytes of serialized output; return less data or store it through a capability`,
};
