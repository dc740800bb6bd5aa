import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, redisKit } from '../../test/scale-out-helpers.js';
import { createLocalBus, createRedisBus, type ClusterBus, type ClusterNotice } from './cluster-bus.js';
import { createSubscriptions } from './redis-subscriptions.js';

const logger = pino({ level: 'silent' });

const kit = redisKit(logger);

afterAll(async () => {
  await kit.close();
});

/** One "process": its own connections and bus, with the notices its handlers received. */
async function startProc(url: string, channel: string): Promise<{ bus: ClusterBus; heard: ClusterNotice[]; published: Promise<unknown>[] }> {
  const processId = `proc-${randomUUID().slice(0, 8)}`;
  const commands = await kit.connect(url, processId);
  const subscriber = await kit.subscriber(url, `${processId}-sub`);
  const subscriptions = createSubscriptions(subscriber, logger);
  const published: Promise<unknown>[] = [];
  const publish = (c: string, m: string) => {
    const result = commands.publish(c, m);
    published.push(result);
    return result;
  };
  const bus = createRedisBus({ publish, subscriptions, channel, processId, logger });
  const heard: ClusterNotice[] = [];
  bus.on((notice) => heard.push(notice));
  await subscriptions.ready(channel);
  return { bus, heard, published };
}

async function until(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const plugins = (workspaceId: string): ClusterNotice => ({ type: 'plugins.changed', workspaceId });

describe('createLocalBus', () => {
  it('runs every handler once per notice, in the order they were added, synchronously', () => {
    const bus = createLocalBus();
    const calls: string[] = [];
    bus.on((notice) => calls.push(`first ${notice.type}`));
    bus.on((notice) => calls.push(`second ${notice.type}`));
    bus.announce(plugins('w1'));
    expect(calls).toEqual(['first plugins.changed', 'second plugins.changed']);
    bus.announce({ type: 'flow.published', workspaceId: 'w1', flowId: 'f1' });
    expect(calls).toEqual(['first plugins.changed', 'second plugins.changed', 'first flow.published', 'second flow.published']);
  });

  it('announcing with no handler does nothing', () => {
    expect(() => createLocalBus().announce({ type: 'reconnected' })).not.toThrow();
  });
});

describe('createRedisBus', () => {
  it('a notice reaches the other process once and the announcing process’s own handlers once, not twice', async () => {
    const channel = `nf-unit-${randomUUID().slice(0, 8)}:bus`;
    const [a, b] = await Promise.all([startProc(SHARED_REDIS_URL, channel), startProc(SHARED_REDIS_URL, channel)]);
    const first = plugins('w-first');
    a.bus.announce(first);
    // Its own handlers run at once.
    expect(a.heard).toEqual([first]);
    await until(() => b.heard.length === 1, 'B hears A');
    const second: ClusterNotice = { type: 'flow.published', workspaceId: 'w-second', flowId: 'f' };
    b.bus.announce(second);
    expect(b.heard).toEqual([first, second]);
    // When A hears B, its subscriber has already passed the echo of its own first notice.
    await until(() => a.heard.length === 2, 'A hears B');
    const third: ClusterNotice = { type: 'reconnected' };
    a.bus.announce(third);
    // Likewise, once B hears A's third notice, B has passed the echo of its second.
    await until(() => b.heard.length === 3, 'B hears A again');
    expect(a.heard).toEqual([first, second, third]);
    expect(b.heard).toEqual([first, second, third]);
  });

  it('a notice that cannot be published still runs this process’s handlers, and announce does not throw', async () => {
    const redis = await kit.privateRedis();
    const channel = `nf-unit-${randomUUID().slice(0, 8)}:bus`;
    const a = await startProc(redis.url, channel);
    await redis.kill();
    expect(() => a.bus.announce(plugins('w-down'))).not.toThrow();
    expect(a.heard).toEqual([plugins('w-down')]);
    // The publish failed, and the bus handled that (an unhandled rejection would fail this file).
    expect((await Promise.allSettled(a.published)).map((o) => o.status)).toEqual(['rejected']);
  });
});
