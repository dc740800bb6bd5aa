import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, redisKit } from '../../test/scale-out-helpers.js';
import { createFailureThrottle } from '../auth/failure-throttle.js';
import { redisFailureGate } from './shared-failure-throttle.js';

const logger = pino({ level: 'silent' });
const kit = redisKit(logger);
afterAll(() => kit.close());

async function gateOn(url: string, prefix: string, maxFailures = 3) {
  const redis = await kit.connect(url, 'gate');
  return { redis, gate: redisFailureGate({ redis, prefix, maxFailures, windowMs: 60_000, fallback: createFailureThrottle({ maxFailures, windowMs: 60_000 }), logger }) };
}

/** Background writes (fail, succeed) land before the next check of another process. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('sign-in failures counted in Redis for every process', () => {
  it('blocks a key after the failures of all processes together, forgives the account only, and stores no address', async () => {
    const prefix = `nf-unit-${randomUUID().slice(0, 8)}:`;
    const [a, b] = await Promise.all([gateOn(SHARED_REDIS_URL, prefix), gateOn(SHARED_REDIS_URL, prefix)]);
    const keys = ['ip:203.0.113.9', 'email:ada@example.com'];
    a.gate.fail(keys);
    b.gate.fail(keys);
    await settle();
    expect(await a.gate.check(keys)).toEqual({ ok: true });
    a.gate.fail(keys);
    await settle();
    // Each process saw at most two failures; together they are three.
    const blocked = await b.gate.check(['email:ada@example.com']);
    expect(blocked).toMatchObject({ ok: false });
    expect(blocked.ok === false && blocked.retryAfterSeconds).toBeGreaterThan(50);
    b.gate.succeed(['email:ada@example.com']);
    await settle();
    expect(await a.gate.check(['email:ada@example.com'])).toEqual({ ok: true });
    expect(await a.gate.check(['ip:203.0.113.9'])).toMatchObject({ ok: false });
    const stored = await a.redis.keys(`${prefix}authfail:*`);
    expect(stored).toHaveLength(1);
    expect(stored.join()).not.toContain('203.0.113.9');
    expect(stored.join()).not.toContain('ada@example.com');
  });

  it('counts in the process while Redis is away: weaker, never open', async () => {
    const redis = await kit.privateRedis();
    const { gate } = await gateOn(redis.url, `nf-unit-${randomUUID().slice(0, 8)}:`);
    await redis.kill();
    const keys = ['ip:198.51.100.7'];
    for (let i = 0; i < 3; i += 1) gate.fail(keys);
    expect(await gate.check(keys)).toMatchObject({ ok: false });
    expect(await gate.check(['ip:198.51.100.8'])).toEqual({ ok: true });
  });
});
