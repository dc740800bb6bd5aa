import { STEP_ERROR_CODES, type StepErrorCode } from '../errors.js';
import { MAX_ERROR_MESSAGE_CHARS } from './limits.js';
import type { NodeRunOutput, RunStats, SandboxRunResult, ThrownInfo } from './types.js';
import type { RunDoneMessage } from './worker-protocol.js';

const STEP_CODES = new Set<string>(STEP_ERROR_CODES);

export function failureResult(code: StepErrorCode, message: string, stats: RunStats): SandboxRunResult {
  return { ok: false, error: { code, message }, stats };
}

/** A worker is untrusted: its answer is re-checked and rebuilt as plain data. */
export function resultFromWorker(message: RunDoneMessage, stats: RunStats, pluginName: string): SandboxRunResult {
  if (!message.ok) {
    const code = STEP_CODES.has(message.code) ? message.code : 'sandbox_crashed';
    const text = typeof message.message === 'string' ? message.message.slice(0, MAX_ERROR_MESSAGE_CHARS + 200) : 'step failed';
    const result: SandboxRunResult = { ok: false, error: { code, message: text }, stats };
    const thrown = plainThrown(message.thrown);
    if (thrown !== undefined) result.error.thrown = thrown;
    return result;
  }
  const value = parseOutput(typeof message.json === 'string' ? message.json : '');
  if (value === undefined) return failureResult('invalid_output', `${pluginName}: the sandbox returned a malformed result`, stats);
  return { ok: true, value, stats };
}

function parseOutput(json: string): NodeRunOutput | undefined {
  let parsed: unknown;
  try {
    // A "__proto__" key stays an own data property here; the session layer refuses it in vars.
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
