import { describe, expect, it } from 'vitest';
import { generateApiKey, parseApiKey } from './api-keys.js';
import { createFailureThrottle } from './failure-throttle.js';

const MINUTE = 60_000;

function setup(options: { maxFailures?: number; windowMs?: number; maxKeys?: number } = {}) {
  const clock = { t: 1_000_000 };
  const throttle = createFailureThrottle({
    maxFailures: options.maxFailures ?? 5,
    windowMs: options.windowMs ?? 15 * MINUTE,
    ...(options.maxKeys === undefined ? {} : { maxKeys: options.maxKeys }),
    now: () => clock.t,
  });
  return { clock, throttle };
}

describe('createFailureThrottle', () => {
  it('allows maxFailures failures, then blocks with Retry-After until the window ends', () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 5; i++) {
      expect(throttle.check(['ip:a'])).toEqual({ ok: true });
      throttle.fail(['ip:a']);
    }
    expect(throttle.check(['ip:a'])).toEqual({ ok: false, retryAfterSeconds: 900 });
    clock.t += 10 * MINUTE + 500;
    expect(throttle.check(['ip:a'])).toEqual({ ok: false, retryAfterSeconds: 300 });
    clock.t += 5 * MINUTE - 500;
    expect(throttle.check(['ip:a'])).toEqual({ ok: true });
  });

  it('A-10: a brute-forced prefix and IP are blocked; another IP with a valid key still passes', () => {
    const { throttle } = setup({ maxFailures: 10 });
    const victim = generateApiKey();
    const attackerKeys = (prefix: string) => ['ip:127.0.0.1', `prefix:${prefix}`];
    let blockedAt = -1;
    let retryAfter = 0;
    // 2,000 guesses with a valid prefix format, bounded by count.
    for (let i = 0; i < 2000; i++) {
      const guess = generateApiKey().key;
      const prefix = parseApiKey(guess)!.prefix;
      const gate = throttle.check(attackerKeys(prefix));
      if (!gate.ok) {
        blockedAt = i;
        retryAfter = gate.retryAfterSeconds;
        break;
      }
      throttle.fail(attackerKeys(prefix));
    }
    expect(blockedAt).toBe(10);
    expect(retryAfter).toBeGreaterThan(0);
    // The victim's key from a second IP is not affected by the attacker's IP counter.
    expect(throttle.check(['ip:127.0.0.2', `prefix:${victim.prefix}`])).toEqual({ ok: true });
  });

  it('blocks a targeted prefix from every IP once it has failed too often', () => {
    const { throttle } = setup({ maxFailures: 3 });
    for (let i = 0; i < 3; i++) throttle.fail([`ip:10.0.0.${i}`, 'prefix:nf_target']);
    expect(throttle.check(['ip:10.0.0.99', 'prefix:nf_target']).ok).toBe(false);
    expect(throttle.check(['ip:10.0.0.99', 'prefix:nf_other']).ok).toBe(true);
  });

  it('answers the longest wait when several keys are blocked', () => {
    const { clock, throttle } = setup({ maxFailures: 1, windowMs: 10 * MINUTE });
    throttle.fail(['a']);
    clock.t += 5 * MINUTE;
    throttle.fail(['b']);
    expect(throttle.check(['a', 'b'])).toEqual({ ok: false, retryAfterSeconds: 600 });
    expect(throttle.check(['a'])).toEqual({ ok: false, retryAfterSeconds: 300 });
  });

  it('starts a fresh window after expiry', () => {
    const { clock, throttle } = setup({ maxFailures: 2, windowMs: MINUTE });
    throttle.fail(['k']);
    clock.t += MINUTE;
    throttle.fail(['k']);
    expect(throttle.check(['k']).ok).toBe(true);
    throttle.fail(['k']);
    expect(throttle.check(['k']).ok).toBe(false);
  });

  it('counts a key listed twice in one call once', () => {
    const { throttle } = setup({ maxFailures: 2 });
    throttle.fail(['k', 'k']);
    expect(throttle.check(['k']).ok).toBe(true);
  });

  it('forgets only the keys passed to succeed', () => {
    const { throttle } = setup({ maxFailures: 2 });
    throttle.fail(['ip:a', 'email:x@example.com']);
    throttle.fail(['ip:a', 'email:x@example.com']);
    throttle.succeed(['email:x@example.com']);
    expect(throttle.check(['email:x@example.com']).ok).toBe(true);
    expect(throttle.check(['ip:a']).ok).toBe(false);
  });

  it('keeps memory bounded, evicting the least recently failed keys', () => {
    const { throttle } = setup({ maxFailures: 3, maxKeys: 100 });
    throttle.fail(['ip:attacker']);
    throttle.fail(['ip:attacker']);
    for (let i = 0; i < 1000; i++) throttle.fail(['ip:attacker', `email:spray-${i}@example.com`]);
    expect(throttle.size()).toBe(100);
    // The attacker's IP failed most recently on every call, so the spray could not evict it.
    expect(throttle.check(['ip:attacker']).ok).toBe(false);
    expect(throttle.check(['email:spray-0@example.com']).ok).toBe(true);
  });

  it('drops expired keys when it meets them', () => {
    const { clock, throttle } = setup({ windowMs: MINUTE });
    throttle.fail(['a', 'b']);
    clock.t += MINUTE;
    throttle.check(['a', 'b']);
    expect(throttle.size()).toBe(0);
  });

  it('refuses nonsensical options', () => {
    expect(() => createFailureThrottle({ maxFailures: 0, windowMs: MINUTE })).toThrow(RangeError);
    expect(() => createFailureThrottle({ maxFailures: 5, windowMs: 0 })).toThrow(RangeError);
    expect(() => createFailureThrottle({ maxFailures: 5, windowMs: MINUTE, maxKeys: 0 })).toThrow(RangeError);
  });
});
