/**
 * A token bucket: `capacity` events at once, refilled at `perSecond`. Socket events are not HTTP
 * requests, so each socket gets one of these (RELIABILITY §4.4, L-02).
 */
export function createTokenBucket(capacity: number, perSecond: number, now: () => number = Date.now) {
  let tokens = capacity;
  let last = now();
  return {
    take(): boolean {
      const t = now();
      tokens = Math.min(capacity, tokens + ((t - last) / 1000) * perSecond);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
