import type { SecretStore } from '@nexusflow/engine';
import { stringArg, unknownMethod } from '../args.js';
import type { CapabilityHandler } from '../types.js';

/** `ctx.secrets.get(name)` in the calling workspace; a missing secret answers null like any other. */
export function createSecretsCapability(store: SecretStore): CapabilityHandler {
  return async (method, args, context) => {
    if (method !== 'get') throw unknownMethod('secrets', method);
    return (await store.get(context.workspaceId, stringArg(args, 0, 'secrets.get', 'a secret name', 128))) ?? null;
  };
}

/** Secrets from a plain map per workspace, for tests and the terminal chat. */
export function createMemorySecretStore(secrets: Record<string, Record<string, string>> = {}): SecretStore {
  return {
    async get(workspaceId, name) {
      const own = secrets[workspaceId];
      return own !== undefined && Object.hasOwn(own, name) ? own[name] : undefined;
    },
  };
}
