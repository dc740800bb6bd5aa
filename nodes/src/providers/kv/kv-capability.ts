import type { KvStore } from '@nexusflow/engine';
import { stringArg, unknownMethod } from '../args.js';
import type { CapabilityHandler } from '../types.js';

const MAX_KEY_LENGTH = 512;

/**
 * `ctx.kv`: keys live inside the calling plugin's namespace in the calling session's workspace,
 * both taken from the context, never from arguments, so `../B/x` is just a key name (S-11).
 */
export function createKvCapability(store: KvStore): CapabilityHandler {
  return async (method, args, context) => {
    const key = stringArg(args, 0, `kv.${method}`, 'a key', MAX_KEY_LENGTH);
    switch (method) {
      case 'get':
        return (await store.get(context.workspaceId, context.plugin, key)) ?? null;
      case 'set':
        await store.set(context.workspaceId, context.plugin, key, args[1] ?? null);
        return null;
      case 'delete':
        await store.delete(context.workspaceId, context.plugin, key);
        return null;
      default:
        throw unknownMethod('kv', method);
    }
  };
}

/** In-memory KvStore, for tests and the terminal chat. Values are stored as JSON copies. */
export function createMemoryKvStore(): KvStore {
  const values = new Map<string, string>();
  const id = (workspaceId: string, plugin: string, key: string) => JSON.stringify([workspaceId, plugin, key]);
  return {
    async get(workspaceId, plugin, key) {
      const text = values.get(id(workspaceId, plugin, key));
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    },
    async set(workspaceId, plugin, key, value) {
      values.set(id(workspaceId, plugin, key), JSON.stringify(value));
    },
    async delete(workspaceId, plugin, key) {
      values.delete(id(workspaceId, plugin, key));
    },
  };
}
