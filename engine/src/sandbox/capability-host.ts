import { isKnownMethod } from './capability-methods.js';
import { MAX_ERROR_MESSAGE_CHARS } from './limits.js';
import type { CallLimits, SandboxRunRequest } from './types.js';
import { parseCapabilityArgs } from './capability-args.js';
import type { CapabilityCallMessage, CapabilityResultMessage } from './worker-protocol.js';

/** What the host tracks of one step's capability traffic. */
export interface CapabilityLedger {
  readonly request: SandboxRunRequest;
  readonly callLimits: CallLimits;
  /** Calls that reached `onCapabilityCall`. */
  calls: number;
  callsInFlight: number;
  /** The step has ended; answers for it are dropped. */
  ended: boolean;
}

type Answer = (result: CapabilityResultMessage) => void;

/**
 * Host side of the `ctx` bridge. The worker already enforced the limits; the host checks again that
 * the capability is declared and the limits hold, because a worker is where hostile code runs. Host
 * errors go back as a code and a message only; nothing of the host's error objects crosses.
 */
export function answerCapabilityCall(ledger: CapabilityLedger, message: CapabilityCallMessage, answer: Answer): void {
  const fail = (code: string, text: string) =>
    answer({ t: 'cap-result', runId: message.runId, callId: message.callId, ok: false, code, message: text });
  const { capability, method, argsJson } = message;
  if (typeof capability !== 'string' || typeof method !== 'string' || typeof argsJson !== 'string') {
    fail('capability_failed', 'capability_failed: malformed capability call');
    return;
  }
  const anyHost = capability.startsWith('http:') && ledger.request.capabilities.includes('http:*');
  if (!ledger.request.capabilities.includes(capability) && !anyHost) {
    fail('capability_not_declared', `capability_not_declared: ${capability}`);
    return;
  }
  if (!isKnownMethod(capability, method)) {
    fail('capability_failed', `capability_failed: ${capability} has no method ${method.slice(0, 64)}`);
    return;
  }
  const limits = ledger.callLimits;
  if (ledger.calls >= limits.maxCallsPerStep || ledger.callsInFlight >= limits.maxInFlight || argsJson.length > limits.maxArgBytes) {
    fail('capability_limit', `capability_limit: ${capability}.${method} is over the step's call limits`);
    return;
  }
  let args: unknown;
  try {
    args = parseCapabilityArgs(argsJson);
  } catch (error) {
    fail('capability_failed', `capability_failed: the arguments of ${capability}.${method} were refused (${hostErrorText(error)})`);
    return;
  }
  if (!Array.isArray(args)) {
    fail('capability_failed', 'capability_failed: malformed capability arguments');
    return;
  }
  ledger.calls += 1;
  ledger.callsInFlight += 1;
  let pending: Promise<unknown>;
  try {
    pending = Promise.resolve(ledger.request.onCapabilityCall({ capability, method, args }));
  } catch (error) {
    pending = Promise.reject(error);
  }
  pending.then(
    (value) => {
      ledger.callsInFlight -= 1;
      if (ledger.ended) return;
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (error) {
        fail('capability_failed', `capability_failed: ${capability}.${method} answered with data that is not JSON (${hostErrorText(error)})`);
        return;
      }
      if (json !== undefined && Buffer.byteLength(json) > limits.maxResultBytes) {
        fail('capability_limit', `capability_limit: the result of ${capability}.${method} is larger than ${limits.maxResultBytes} bytes (maxResultBytes)`);
        return;
      }
      answer({ t: 'cap-result', runId: message.runId, callId: message.callId, ok: true, json });
    },
    (error: unknown) => {
      ledger.callsInFlight -= 1;
      if (ledger.ended) return;
      const code = hostErrorCode(error);
      const text = hostErrorText(error);
      fail(code, text.startsWith(`${code}:`) ? text : `${code}: ${text}`);
    },
  );
}

function hostErrorCode(error: unknown): string {
  try {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : 'capability_failed';
  } catch {
    return 'capability_failed';
  }
}

/** Reads a host error's message defensively: even a host stack overflow must not hurt (S-15). */
function hostErrorText(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : String(error);
  } catch {
    text = 'the capability failed';
  }
  return text.length > MAX_ERROR_MESSAGE_CHARS ? `${text.slice(0, MAX_ERROR_MESSAGE_CHARS)}...` : text;
}
