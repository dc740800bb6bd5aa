/**
 * Counts authentication failures per key (`ip:…`, `prefix:nf_…`, `email:…`) and blocks a key that
 * failed `maxFailures` times within `windowMs` of its first failure, until that window ends.
 * In memory and per process; with several processes, `cluster/shared-failure-throttle.ts` counts in
 * Redis and falls back to this one while Redis is away (RELIABILITY.md 4.4).
 *
 * Memory is bounded: past `maxKeys` the least recently failed keys are dropped. Recency is by
 * failure, so an attacker who sprays distinct emails cannot push his own IP key out: that key
 * fails on every attempt and stays the most recent.
 */

export interface FailureThrottleOptions {
  /** Failures allowed per key within a window; the next check after that many is refused. */
  maxFailures: number;
  /** Window length, counted from a key's first failure. */
  windowMs: number;
  /** Most keys tracked at once; default 100,000. */
  maxKeys?: number;
  /** Epoch milliseconds; injected by tests. */
  now?: () => number;
}

export type ThrottleResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface FailureThrottle {
  /** Whether any of the keys is blocked; when several are, answers the longest wait. */
  check(keys: readonly string[]): ThrottleResult;
  /** Records one failure for each key. */
  fail(keys: readonly string[]): void;
  /**
   * Forgets the keys' failures. Pass the account or key-prefix key only, not the IP: otherwise an
   * attacker clears his IP's count by signing in to his own account between guesses.
   */
  succeed(keys: readonly string[]): void;
  /** Keys currently tracked (for tests and metrics). */
  size(): number;
}

interface Entry {
  count: number;
  windowStart: number;
}

export const DEFAULT_THROTTLE_MAX_KEYS = 100_000;

/**
 * Creates a failure throttle.
 *
 * @example
 * const throttle = createFailureThrottle({ maxFailures: 10, windowMs: 15 * 60_000 });
 * const keys = [`ip:${req.ip}`, `prefix:${parsed.prefix}`];
 * const gate = throttle.check(keys);
 * if (!gate.ok) return res.set('Retry-After', String(gate.retryAfterSeconds)).status(429).end();
 * if (!matches) { throttle.fail(keys); return unauthorized(); }
 * throttle.succeed([`prefix:${parsed.prefix}`]);
 */
export function createFailureThrottle(options: FailureThrottleOptions): FailureThrottle {
  const { maxFailures, windowMs } = options;
  const maxKeys = options.maxKeys ?? DEFAULT_THROTTLE_MAX_KEYS;
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(maxFailures) || maxFailures < 1) throw new RangeError('maxFailures must be a positive integer');
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError('windowMs must be a positive number');
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');

  // A Map iterates in insertion order; re-inserting on every failure makes the first entry the least
  // recently failed one, which is the one to evict.
  const entries = new Map<string, Entry>();

  const live = (key: string, at: number): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && at - entry.windowStart >= windowMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    check(keys) {
      const at = now();
      let waitMs = 0;
      for (const key of keys) {
        const entry = live(key, at);
        if (entry && entry.count >= maxFailures) waitMs = Math.max(waitMs, entry.windowStart + windowMs - at);
      }
      return waitMs > 0 ? { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } : { ok: true };
    },
    fail(keys) {
      const at = now();
      for (const key of new Set(keys)) {
        const entry = live(key, at);
        entries.delete(key);
        entries.set(key, entry ? { count: entry.count + 1, windowStart: entry.windowStart } : { count: 1, windowStart: at });
      }
      for (const oldest of entries.keys()) {
        if (entries.size <= maxKeys) break;
        entries.delete(oldest);
      }
    },
    succeed(keys) {
      for (const key of keys) entries.delete(key);
    },
    size() {
      return entries.size;
    },
  };
}
