import type { StepErrorCode } from '../errors.js';
import { limitMessages, MAX_OUTPUT_BYTES } from './limits.js';
import type { ThrownInfo } from './types.js';

export type Outcome =
  | { ok: true; json: string }
  | { ok: false; code: StepErrorCode; message: string; thrown?: ThrownInfo };

/** Error codes a bridge error carries; a step that lets one escape fails with that code. */
const BRIDGE_CODES = new Set<string>(['capability_not_declared', 'capability_limit', 'capability_failed']);
/** Outcomes the bootstrap reports by their step error code. */
const BOOTSTRAP_CODES = new Set<string>(['invalid_output', 'output_not_serializable', 'unknown_node_type', 'plugin_error']);

/**
 * Turns what the bootstrap reported through `complete(runId, kind, payload)` into a step outcome.
 * `retireIsolate` asks for the isolate to be rebuilt after the step (it ran out of memory in a way
 * plugin code could catch).
 */
export function outcomeOf(
  kind: string,
  payload: string,
  step: { pluginName: string; memoryMb: number },
): { outcome: Outcome; retireIsolate: boolean } {
  if (kind === 'ok') {
    if (Buffer.byteLength(payload) > MAX_OUTPUT_BYTES) return { outcome: tooLarge(), retireIsolate: false };
    return { outcome: { ok: true, json: payload }, retireIsolate: false };
  }
  if (kind === 'output_too_large') return { outcome: tooLarge(), retireIsolate: false };
  if (kind === 'thrown') return thrownOutcome(parseThrown(payload), step.memoryMb);
  if (BOOTSTRAP_CODES.has(kind)) return { outcome: { ok: false, code: kind as StepErrorCode, message: payload }, retireIsolate: false };
  return {
    outcome: { ok: false, code: 'plugin_error', message: `${step.pluginName}: the sandbox reported an unknown outcome` },
    retireIsolate: false,
  };
}

function tooLarge(): Outcome {
  return { ok: false, code: 'output_too_large', message: limitMessages.outputTooLarge(MAX_OUTPUT_BYTES) };
}

function thrownOutcome(thrown: ThrownInfo, memoryMb: number): { outcome: Outcome; retireIsolate: boolean } {
  // V8 throws this catchable RangeError when the isolate's memory limit refuses an ArrayBuffer.
  if (thrown.name === 'RangeError' && thrown.message === 'Array buffer allocation failed') {
    return { outcome: { ok: false, code: 'memory_limit', message: limitMessages.memory(memoryMb), thrown }, retireIsolate: true };
  }
  if (thrown.code !== undefined && BRIDGE_CODES.has(thrown.code)) {
    return { outcome: { ok: false, code: thrown.code as StepErrorCode, message: thrown.message, thrown }, retireIsolate: false };
  }
  return { outcome: { ok: false, code: 'plugin_error', message: `${thrown.name}: ${thrown.message}`, thrown }, retireIsolate: false };
}

function parseThrown(payload: string): ThrownInfo {
  try {
    const value = JSON.parse(payload) as Partial<ThrownInfo>;
    const thrown: ThrownInfo = {
      name: typeof value.name === 'string' ? value.name : 'Error',
      message: typeof value.message === 'string' ? value.message : '',
    };
    if (typeof value.code === 'string') thrown.code = value.code;
    return thrown;
  } catch {
    return { name: 'Error', message: '(unreadable error)' };
  }
}
