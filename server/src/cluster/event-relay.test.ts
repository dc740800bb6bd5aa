import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, redisKit } from '../../test/scale-out-helpers.js';
import { createSessionEvents, type SessionEvent, type SessionEvents } from '../runtime/session-events.js';
import { relaySessionEvents } from './event-relay.js';
import { createSubscriptions, type Subscriptions } from './redis-subscriptions.js';

// Two "processes" (each its own connections and local event bus) relaying session events over Redis.

const logger = pino({ level: 'silent' });

interface Proc {
  processId: string;
  prefix: string;
  events: SessionEvents;
  subscriptions: Subscriptions;
  /** Every publish the relay attempted. */
  published: Promise<unknown>[];
}

const kit = redisKit(logger);

afterAll(async () => {
  await kit.close();
});

async function startProc(url: string, prefix: string): Promise<Proc> {
  const processId = `proc-${randomUUID().slice(0, 8)}`;
  const commands = await kit.connect(url, processId);
  const subscriber = await kit.subscriber(url, `${processId}-sub`);
  const subscriptions = createSubscriptions(subscriber, logger);
  const published: Promise<unknown>[] = [];
  const publish = (channel: string, message: string) => {
    const result = commands.publish(channel, message);
    published.push(result);
    return result;
  };
  const events = relaySessionEvents(createSessionEvents(), { publish, subscriptions, prefix, processId, logger });
  return { processId, prefix, events, subscriptions, published };
}

async function pair(url = SHARED_REDIS_URL): Promise<[Proc, Proc, string]> {
  const prefix = `nf-unit-${randomUUID().slice(0, 8)}:`;
  const [a, b] = await Promise.all([startProc(url, prefix), startProc(url, prefix)]);
  return [a, b, prefix];
}

/** The relay publishes what a tick emitted once that tick is over. */
const nextTick = () => new Promise((resolve) => setImmediate(resolve));

/** Listens to one session through `on`, and resolves once Redis confirmed the subscription. */
async function listen(proc: Proc, sessionId: string, into: SessionEvent[]): Promise<() => void> {
  const stop = proc.events.on(sessionId, (event) => into.push(event));
  await proc.subscriptions.ready(`${proc.prefix}ev:${sessionId}`);
  return stop;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const token = (sessionId: string, delta: string): SessionEvent => ({ type: 'token', sessionId, streamId: 'stream-1', delta });
const deltas = (events: SessionEvent[]) => events.map((event) => (event.type === 'token' ? event.delta : event.type));

describe('relaySessionEvents', () => {
  it('an event emitted on one process reaches the other’s listeners of that session exactly once and in order, and its own listeners once', async () => {
    const [a, b] = await pair();
    const sessionId = 'streaming';
    const atA: SessionEvent[] = [];
    const atB: SessionEvent[] = [];
    await listen(a, sessionId, atA);
    await listen(b, sessionId, atB);
    const numbers = Array.from({ length: 50 }, (_, i) => String(i));
    for (const delta of numbers) a.events.emit(token(sessionId, delta));
    a.events.emit(token(sessionId, 'a-end'));
    // Local listeners hear it synchronously.
    expect(deltas(atA)).toEqual([...numbers, 'a-end']);
    await until(() => deltas(atB).includes('a-end'), 'B hears A’s last token');
    // Channel order: once A's last event arrived, every earlier one did, each once.
    expect(deltas(atB)).toEqual([...numbers, 'a-end']);

    // B answers; when A hears it, A's subscriber has also seen (and dropped) the echoes of its own 51 events.
    b.events.emit(token(sessionId, 'b-marker'));
    await until(() => deltas(atA).includes('b-marker'), 'A hears B');
    a.events.emit(token(sessionId, 'a-done'));
    await until(() => deltas(atB).includes('a-done'), 'B hears A again');
    const all = [...numbers, 'a-end', 'b-marker', 'a-done'];
    expect(deltas(atA)).toEqual(all);
    expect(deltas(atB)).toEqual(all);
    expect(atB[0]).toEqual(token(sessionId, '0'));
  });

  it('onAny and onLocal see only this process’s events; other sessions’ listeners see nothing', async () => {
    const [a, b] = await pair();
    const sessionId = 'local-only';
    const seen = { aAny: [] as SessionEvent[], aLocal: [] as SessionEvent[], bAny: [] as SessionEvent[], bLocal: [] as SessionEvent[], aOn: [] as SessionEvent[], bOn: [] as SessionEvent[], bOther: [] as SessionEvent[] };
    a.events.onAny((event) => seen.aAny.push(event));
    a.events.onLocal(sessionId, (event) => seen.aLocal.push(event));
    b.events.onAny((event) => seen.bAny.push(event));
    b.events.onLocal(sessionId, (event) => seen.bLocal.push(event));
    await listen(a, sessionId, seen.aOn);
    await listen(b, sessionId, seen.bOn);
    await listen(b, 'another-session', seen.bOther);

    a.events.emit(token(sessionId, 'from-a'));
    await until(() => seen.bOn.length === 1, 'B hears A');
    b.events.emit(token(sessionId, 'from-b'));
    await until(() => seen.aOn.length === 2, 'A hears B');
    a.events.emit(token(sessionId, 'a-again'));
    await until(() => seen.bOn.length === 3, 'B hears A again');

    expect(deltas(seen.aAny)).toEqual(['from-a', 'a-again']);
    expect(deltas(seen.aLocal)).toEqual(['from-a', 'a-again']);
    expect(deltas(seen.bAny)).toEqual(['from-b']);
    expect(deltas(seen.bLocal)).toEqual(['from-b']);
    expect(deltas(seen.aOn)).toEqual(['from-a', 'from-b', 'a-again']);
    expect(deltas(seen.bOn)).toEqual(['from-a', 'from-b', 'a-again']);
    expect(seen.bOther).toEqual([]);
  });

  it('sends the events of one tick in one publish per session, in order', async () => {
    const [a, b] = await pair();
    const heard: SessionEvent[] = [];
    await listen(b, 'burst', heard);
    const before = a.published.length;
    for (let i = 0; i < 30; i += 1) a.events.emit(token('burst', `t${i}`));
    a.events.emit(token('other-session', 'x'));
    await nextTick();
    expect(a.published.length - before).toBe(2);
    await until(() => heard.length === 30, 'the burst at B');
    expect(deltas(heard)).toEqual(Array.from({ length: 30 }, (_, i) => `t${i}`));
  });

  it('a process stays subscribed while one listener remains and unsubscribes with the last; listening again resumes delivery', async () => {
    const [a, b, prefix] = await pair();
    const sessionId = 'unsubscribing';
    const channel = `${prefix}ev:${sessionId}`;
    const raw = await kit.connect(SHARED_REDIS_URL, 'test-raw');
    const subscribers = async () => ((await raw.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1];
    const first: SessionEvent[] = [];
    const second: SessionEvent[] = [];
    const stopFirst = await listen(b, sessionId, first);
    const stopSecond = await listen(b, sessionId, second);
    expect(await subscribers()).toBe(1);

    stopFirst();
    a.events.emit(token(sessionId, 'one'));
    await until(() => second.length === 1, 'the remaining listener hears A');
    expect(await subscribers()).toBe(1);

    stopSecond();
    await until(async () => (await subscribers()) === 0, 'B unsubscribes with its last listener');
    a.events.emit(token(sessionId, 'unheard'));
    // Events leave in one publish per session per tick: let this one go before B listens again.
    await nextTick();
    await Promise.all(a.published);

    const third: SessionEvent[] = [];
    await listen(b, sessionId, third);
    expect(await subscribers()).toBe(1);
    a.events.emit(token(sessionId, 'two'));
    await until(() => third.length === 1, 'a new listener hears A');
    expect(deltas(first)).toEqual([]);
    expect(deltas(second)).toEqual(['one']);
    expect(deltas(third)).toEqual(['two']);
  });

  it('when Redis is unreachable, emit does not throw and local listeners still get the event; relaying resumes when Redis is back', async () => {
    const redis = await kit.privateRedis();
    const [a, b] = await pair(redis.url);
    const sessionId = 'outage';
    const atA: SessionEvent[] = [];
    const localAtA: SessionEvent[] = [];
    const anyAtA: SessionEvent[] = [];
    const atB: SessionEvent[] = [];
    await listen(a, sessionId, atA);
    a.events.onLocal(sessionId, (event) => localAtA.push(event));
    a.events.onAny((event) => anyAtA.push(event));
    await listen(b, sessionId, atB);

    await redis.kill();
    const before = a.published.length;
    expect(() => a.events.emit(token(sessionId, 'while-down'))).not.toThrow();
    expect(() => a.events.emit(token(sessionId, 'still-down'))).not.toThrow();
    expect(deltas(atA)).toEqual(['while-down', 'still-down']);
    expect(deltas(localAtA)).toEqual(['while-down', 'still-down']);
    expect(deltas(anyAtA)).toEqual(['while-down', 'still-down']);
    // The publish of that tick's two events failed (and the relay handled that: no unhandled
    // rejection fails this file).
    await nextTick();
    const outcomes = await Promise.allSettled(a.published.slice(before));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected']);

    await redis.restart();
    // The subscriber reconnects and subscribes again by itself; A retries a probe until B hears one.
    let probes = 0;
    await until(
      () => {
        if (atB.length > 0) return true;
        a.events.emit(token(sessionId, `probe-${probes++}`));
        return false;
      },
      'B hears A after Redis is back',
      8_000,
    );
    expect(deltas(atB).every((delta) => delta.startsWith('probe-'))).toBe(true);
  });
});
