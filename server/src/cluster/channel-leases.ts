import type { Redis } from 'ioredis';

/**
 * Which process runs a connection that must run in one process only (WhatsApp Web drives one
 * browser per number). A lease in Redis that its holder renews; when the holder dies it expires
 * and another process takes the connection over.
 */
export interface ChannelLeases {
  /** Takes or renews this process's lease; false while another process holds it. Throws when Redis is away. */
  claim(connectionId: string): Promise<boolean>;
  /** Gives the lease up (the connection stopped here). */
  release(connectionId: string): Promise<void>;
}

/** One process holds everything. */
export const soleProcessLeases: ChannelLeases = {
  claim: async () => true,
  release: async () => undefined,
};

const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

export function createRedisChannelLeases(options: { redis: Redis; prefix: string; processId: string; leaseMs: number; unavailable: (cause: unknown) => Error }): ChannelLeases {
  const key = (connectionId: string) => `${options.prefix}channel:${connectionId}`;
  return {
    async claim(connectionId) {
      try {
        return (await options.redis.eval(CLAIM, 1, key(connectionId), options.processId, options.leaseMs)) === 1;
      } catch (error) {
        throw options.unavailable(error);
      }
    },
    async release(connectionId) {
      await options.redis.eval(RELEASE, 1, key(connectionId), options.processId);
    },
  };
}
