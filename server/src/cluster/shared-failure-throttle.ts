import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FailureThrottle, ThrottleResult } from '../auth/failure-throttle.js';

/** Failed sign-ins and API keys, counted where every process sees them. */
export interface AuthFailureGate {
  /** Whether any of the keys is blocked; when several are, answers the longest wait. */
  check(keys: readonly string[]): Promise<ThrottleResult>;
  /** Records one failure for each key (in the background). */
  fail(keys: readonly string[]): void;
  /** Forgets the keys' failures: the account or key prefix only, never the address. */
  succeed(keys: readonly string[]): void;
}

/** One process: the in-memory throttle. */
export function localFailureGate(throttle: FailureThrottle): AuthFailureGate {
  return {
    check: async (keys) => throttle.check(keys),
    fail: (keys) => throttle.fail(keys),
    succeed: (keys) => throttle.succeed(keys),
  };
}

// KEYS: the counters; ARGV[1]: most failures. Answers the longest wait in ms of a blocked key, or 0.
const CHECK = `
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[1]) then
    local ttl = redis.call('PTTL', key)
    if ttl > wait then wait = ttl end
  end
end
return wait`;

// KEYS: the counters; ARGV[1]: window ms. A window starts at a key's first failure.
const FAIL = `
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 1`;

/**
 * Several processes: counters in Redis, so an attacker gets the same number of guesses however many
 * processes the load balancer spreads him over. Keys are hashed (no email addresses in Redis). While
 * Redis is away, each process counts in memory again: weaker, never open.
 */
export function redisFailureGate(options: { redis: Redis; prefix: string; maxFailures: number; windowMs: number; fallback: FailureThrottle; logger: Logger }): AuthFailureGate {
  const { redis, fallback } = options;
  const keyOf = (key: string) => `${options.prefix}authfail:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
  let failing = false;
  const degraded = (error: unknown) => {
    if (!failing) options.logger.warn({ err: (error as Error).message }, 'sign-in failures are counted per process while Redis is unreachable');
    failing = true;
  };
  return {
    async check(keys) {
      const local = fallback.check(keys);
      try {
        const waitMs = (await redis.eval(CHECK, keys.length, ...keys.map(keyOf), options.maxFailures)) as number;
        failing = false;
        if (waitMs > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      } catch (error) {
        degraded(error);
      }
      return local;
    },
    fail(keys) {
      fallback.fail(keys);
      const distinct = [...new Set(keys)].map(keyOf);
      redis.eval(FAIL, distinct.length, ...distinct, options.windowMs).catch(degraded);
    },
    succeed(keys) {
      fallback.succeed(keys);
      if (keys.length > 0) redis.del(...keys.map(keyOf)).catch(degraded);
    },
  };
}
