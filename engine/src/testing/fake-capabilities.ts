import { NexusError } from '../errors.js';
import type { CapabilityCall } from '../sandbox/types.js';
import type { CapabilityContext, CapabilityProvider } from '../session/types.js';

/** A capability method of a fake: receives the call's arguments, then who called. */
export type FakeMethod = (...args: unknown[]) => unknown;
/** Fakes by capability (`kv`, `channel`, `http` ...) and method name. */
export type FakeCapabilities = Record<string, Record<string, FakeMethod>>;

export interface RecordedCall extends CapabilityCall {
  context: CapabilityContext;
}

/**
 * A CapabilityProvider made of plain functions, recording every call it receives.
 *
 * @example
 * const sent: unknown[] = [];
 * const provider = fakeCapabilities({ channel: { send: (message) => void sent.push(message) } });
 */
export function fakeCapabilities(fakes: FakeCapabilities): CapabilityProvider & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  return {
    calls,
    async invoke(call, context) {
      calls.push({ ...call, context });
      const name = call.capability.startsWith('http') ? 'http' : call.capability;
      const method = fakes[name]?.[call.method];
      if (method === undefined) {
        throw new NexusError('capability_failed', `no fake for ${name}.${call.method}; pass one to fakeCapabilities()`);
      }
      return method(...call.args, context);
    },
  };
}
