import { NexusError, type CapabilityProvider } from '@nexusflow/engine';
import type { CapabilityHandler } from './types.js';

/** Handlers by capability namespace (`llm`, `memory`, `billing`, `channel`, `kv`, `deploy`, `secrets`, `http`). */
export type CapabilityHandlers = Partial<Record<'llm' | 'memory' | 'billing' | 'channel' | 'kv' | 'deploy' | 'secrets' | 'http', CapabilityHandler>>;

/**
 * One CapabilityProvider from per-capability handlers; `http:<host>` calls go to `http`. A capability
 * without a handler fails with a sentence naming it, never silently.
 *
 * @example
 * const capabilities = composeCapabilities({ kv: createKvCapability(createMemoryKvStore()) });
 */
export function composeCapabilities(handlers: CapabilityHandlers): CapabilityProvider {
  return {
    invoke(call, context) {
      const namespace = (call.capability.startsWith('http:') ? 'http' : call.capability) as keyof CapabilityHandlers;
      const handler = Object.hasOwn(handlers, namespace) ? handlers[namespace] : undefined;
      if (handler === undefined) {
        return Promise.reject(new NexusError('capability_failed', `${namespace} is not available here; the server has no provider for it configured`));
      }
      return handler(call.method, call.args, context);
    },
  };
}
