import { randomUUID } from 'node:crypto';
import { NexusError } from '@nexusflow/engine';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, redisKit } from '../../test/scale-out-helpers.js';
import { fenceOf } from '../store/fence-scope.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { clusterUnavailable } from './redis-connection.js';
import { createRedisSessionLine, type RedisSessionLine } from './redis-session-line.js';
import { createSubscriptions } from './redis-subscriptions.js';

// Several "processes" (each its own connections, heartbeat and line) sharing one Redis, in one test process.

const logger = pino({ level: 'silent' });
const POLL_MS = 50;
const LEASE_MS = 600;

/** One Redis and key prefix shared by some processes, with the store's `sessions.claim` they share. */
interface Cluster {
  url: string;
  prefix: string;
  /** Raw connection for inspecting and damaging the cluster's keys. */
  raw: Redis;
  claim(sessionId: string): Promise<number>;
  /** How many times `claim` was called. */
  claims: number;
  lineKey(sessionId: string): string;
}

interface Proc {
  processId: string;
  heartbeatKey: string;
  commands: Redis;
  subscriber: Redis;
  heartbeat: Heartbeat;
  line: RedisSessionLine;
}

const procs: Proc[] = [];
const kit = redisKit(logger);

afterAll(async () => {
  for (const proc of procs) {
    proc.line.close();
    await proc.heartbeat.stop();
  }
  await kit.close();
});

async function openCluster(url = SHARED_REDIS_URL): Promise<Cluster> {
  const prefix = `nf-unit-${randomUUID().slice(0, 8)}:`;
  const raw = await kit.connect(url, 'test-raw');
  const tokens = new Map<string, number>();
  const cluster: Cluster = {
    url,
    prefix,
    raw,
    claims: 0,
    async claim(sessionId) {
      cluster.claims += 1;
      const token = (tokens.get(sessionId) ?? 0) + 1;
      tokens.set(sessionId, token);
      return token;
    },
    lineKey: (sessionId) => `${prefix}line:${sessionId}`,
  };
  return cluster;
}

async function startProc(cluster: Cluster, options: { maxPendingPerSession?: number; commandTimeout?: number; patienceMs?: number } = {}): Promise<Proc> {
  const processId = `proc-${randomUUID().slice(0, 8)}`;
  const [commands, subscriber] = await Promise.all([
    kit.connect(cluster.url, processId, options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout }),
    kit.subscriber(cluster.url, `${processId}-sub`),
  ]);
  const subscriptions = createSubscriptions(subscriber, logger);
  const heartbeats = `${cluster.prefix}proc:`;
  const heartbeatKey = `${heartbeats}${processId}`;
  const heartbeat = await startHeartbeat({ redis: commands, key: heartbeatKey, leaseMs: LEASE_MS, logger, info: processId });
  const line = createRedisSessionLine({
    redis: commands,
    subscriptions,
    sessions: { claim: (sessionId) => cluster.claim(sessionId) },
    prefix: cluster.prefix,
    processId,
    heartbeats,
    leaseMs: LEASE_MS,
    maxPendingPerSession: options.maxPendingPerSession ?? 100,
    pollMs: POLL_MS,
    patienceMs: options.patienceMs ?? LEASE_MS,
    unavailable: (cause) => clusterUnavailable(cluster.url, cause),
    logger,
  });
  const proc: Proc = { processId, heartbeatKey, commands, subscriber, heartbeat, line };
  procs.push(proc);
  await subscriptions.ready(line.channel);
  return proc;
}

/** Polls `check` until it holds, for at most `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Settles like `promise`, or rejects when it has not settled after `timeoutMs` (a bound, not a speed check). */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Two processes on one session: x's task runs until `first` opens, y's waits behind it. */
async function xRunsWhileYWaits(sessionId: string) {
  const cluster = await openCluster();
  const [x, y] = await Promise.all([startProc(cluster), startProc(cluster)]);
  const key = cluster.lineKey(sessionId);
  const log: string[] = [];
  const first = gate();
  const runs = [
    x.line.run(sessionId, async () => {
      log.push('x start');
      await first.opened;
      log.push('x end');
    }),
  ];
  await until(() => log.includes('x start'), 'x runs');
  runs.push(y.line.run(sessionId, async () => void log.push('y start')));
  await until(async () => (await cluster.raw.llen(key)) === 2, 'y waits');
  return { cluster, x, y, key, log, first, runs };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but it resolved');
}

describe('createRedisSessionLine', () => {
  it('runs one session’s tasks one at a time, in arrival order across three processes, each fenced with a new token', async () => {
    const cluster = await openCluster();
    const three = await Promise.all([startProc(cluster), startProc(cluster), startProc(cluster)]);
    const sessionId = 'ordered';
    const log: string[] = [];
    const fences: (number | undefined)[] = [];
    const first = gate();
    const runs: Promise<number>[] = [];
    // Arrival order is what Redis saw: each message is enqueued once the one before is in the line
    // (the first task holds the line until all 30 are in, so nothing leaves meanwhile).
    for (let i = 0; i < 30; i++) {
      const proc = three[i % 3]!;
      runs.push(
        proc.line.run(sessionId, async () => {
          log.push(`start ${i}`);
          fences.push(fenceOf(sessionId));
          expect(fenceOf('another-session')).toBeUndefined();
          if (i === 0) await first.opened;
          await tick(i % 4);
          log.push(`end ${i}`);
          return i;
        }),
      );
      await until(async () => (await cluster.raw.llen(cluster.lineKey(sessionId))) === i + 1, `message ${i} in the line`);
    }
    first.open();
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(log).toEqual(Array.from({ length: 30 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
    expect(fences).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(cluster.claims).toBe(30);
    expect(await cluster.raw.exists(cluster.lineKey(sessionId))).toBe(0);
  });

  it('never runs two tasks of one session at once when messages race in from three processes; each process keeps its own order', async () => {
    const cluster = await openCluster();
    const three = await Promise.all([startProc(cluster), startProc(cluster), startProc(cluster)]);
    const sessionId = 'racing';
    const log: string[] = [];
    let runningNow = 0;
    const runs = Array.from({ length: 30 }, (_, i) =>
      three[i % 3]!.line.run(sessionId, async () => {
        runningNow += 1;
        expect(runningNow).toBe(1);
        log.push(`start ${i}`);
        await tick(i % 3);
        log.push(`end ${i}`);
        runningNow -= 1;
        return fenceOf(sessionId);
      }),
    );
    const fences = await Promise.all(runs);
    expect([...fences].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const starts = log.filter((e) => e.startsWith('start')).map((e) => Number(e.split(' ')[1]));
    expect(log).toEqual(starts.flatMap((i) => [`start ${i}`, `end ${i}`]));
    for (let p = 0; p < 3; p++) {
      const own = starts.filter((i) => i % 3 === p);
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
    // The token follows the order the tasks ran in.
    expect(starts.map((i) => fences[i])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(cluster.claims).toBe(30);
  });

  it('runs different sessions at the same time', async () => {
    const cluster = await openCluster();
    const [a, b] = await Promise.all([startProc(cluster), startProc(cluster)]);
    const started = new Set<string>();
    const bothStarted = () => until(() => started.size === 2, 'both sessions running at once');
    const task = (sessionId: string) => async () => {
      started.add(sessionId);
      // Each waits for the other to start: if sessions ran one after the other, neither would end.
      await bothStarted();
      return fenceOf(sessionId);
    };
    const results = await Promise.all([a.line.run('left', task('left')), b.line.run('right', task('right')), a.line.run('left', async () => fenceOf('left'))]);
    expect(results).toEqual([1, 1, 2]);
  });

  it('a head whose process died is dropped: the next waiter runs, and isAbandoned tells while nobody alive heads the line', async () => {
    const cluster = await openCluster();
    const [dead, y, z] = await Promise.all([startProc(cluster), startProc(cluster), startProc(cluster)]);
    const log: string[] = [];
    const hung = new Set<string>();
    // The doomed process starts a turn in two sessions that never ends; in `waiting` y already waits behind it.
    const hang = (sessionId: string) => () => {
      hung.add(sessionId);
      return new Promise<never>(() => undefined);
    };
    void dead.line.run('lonely', hang('lonely'));
    void dead.line.run('waiting', hang('waiting'));
    await until(() => hung.size === 2, 'the doomed process heads both lines');
    const waiting = y.line.run('waiting', async () => {
      log.push('y waiting');
      return fenceOf('waiting');
    });
    await until(async () => (await cluster.raw.llen(cluster.lineKey('waiting'))) === 2, 'y waits in line');
    expect(await y.line.isAbandoned('lonely')).toBe(false);
    expect(await z.line.isAbandoned('waiting')).toBe(false);
    expect(log).toEqual([]);

    // The process dies: its connection drops and its heartbeat key goes (as if its lease ran out).
    dead.commands.disconnect();
    await cluster.raw.del(dead.heartbeatKey);

    // y was already waiting: its next look finds the dead head and drops it (nobody publishes a move).
    expect(await within(waiting, 3_000, 'the waiter behind the dead head')).toBe(2);
    expect(log).toEqual(['y waiting']);

    // Nobody waits in `lonely`: its dead head stays until someone looks, and the sweeper may take it over.
    expect(await z.line.isAbandoned('lonely')).toBe(true);
    const abandonedWhileRunning: boolean[] = [];
    const first = gate();
    const runs = [
      y.line.run('lonely', async () => {
        log.push('y lonely');
        await first.opened;
        abandonedWhileRunning.push(await z.line.isAbandoned('lonely'));
        return fenceOf('lonely');
      }),
    ];
    await until(() => log.includes('y lonely'), 'y heads the line the dead process left');
    runs.push(
      z.line.run('lonely', async () => {
        log.push('z lonely');
        return fenceOf('lonely');
      }),
    );
    await until(async () => (await cluster.raw.llen(cluster.lineKey('lonely'))) === 2, 'z waits behind y');
    first.open();
    expect(await Promise.all(runs)).toEqual([2, 3]);
    expect(abandonedWhileRunning).toEqual([false]);
    expect(log).toEqual(['y waiting', 'y lonely', 'z lonely']);
    // An empty line: nobody heads it.
    expect(await y.line.isAbandoned('lonely')).toBe(true);
  });

  it('answers queue_full when the line already holds maxPendingPerSession messages, and takes messages again once it moves', async () => {
    const cluster = await openCluster();
    const [a, b] = await Promise.all([startProc(cluster, { maxPendingPerSession: 3 }), startProc(cluster, { maxPendingPerSession: 3 })]);
    const sessionId = 'crowded';
    const first = gate();
    const runs = [a.line.run(sessionId, () => first.opened.then(() => 'a1'))];
    runs.push(b.line.run(sessionId, async () => 'b1'));
    runs.push(a.line.run(sessionId, async () => 'a2'));
    await until(async () => (await cluster.raw.llen(cluster.lineKey(sessionId))) === 3, 'three messages in line');
    for (const proc of [a, b]) {
      const error = await rejection(proc.line.run(sessionId, async () => 'too many'));
      expect(error).toBeInstanceOf(NexusError);
      expect((error as NexusError).code).toBe('queue_full');
      expect((error as NexusError).message).toContain(sessionId);
    }
    // Another session is not affected.
    expect(await b.line.run('quiet', async () => 'quiet')).toBe('quiet');
    first.open();
    expect(await Promise.all(runs)).toEqual(['a1', 'b1', 'a2']);
    expect(await b.line.run(sessionId, async () => 'after')).toBe('after');
    // A rejected message never took a token.
    expect(cluster.claims).toBe(5);
  });

  it('a task that throws rejects its caller with that error, and the line moves on', async () => {
    const cluster = await openCluster();
    const [a, b] = await Promise.all([startProc(cluster), startProc(cluster)]);
    const sessionId = 'failing';
    const boom = new Error('boom');
    const first = gate();
    const failing = a.line.run(sessionId, async () => {
      await first.opened;
      throw boom;
    });
    const next = b.line.run(sessionId, async () => fenceOf(sessionId));
    await until(async () => (await cluster.raw.llen(cluster.lineKey(sessionId))) === 2, 'b waits behind the failing task');
    first.open();
    expect(await rejection(failing)).toBe(boom);
    expect(await next).toBe(2);
    const coded = new NexusError('some_code', 'coded failure');
    expect(await rejection(b.line.run(sessionId, () => Promise.reject(coded)))).toBe(coded);
    expect(await a.line.run(sessionId, async () => 'fine')).toBe('fine');
    await Promise.all([a.line.idle(), b.line.idle()]);
    expect(await cluster.raw.exists(cluster.lineKey(sessionId))).toBe(0);
  });

  it('while Redis is away, new messages fail at once and waiters after patienceMs with cluster_unavailable naming the URL; the turn in flight finishes; all works again once Redis is back', async () => {
    const redis = await kit.privateRedis();
    const cluster = await openCluster(redis.url);
    const [a, b] = await Promise.all([startProc(cluster, { patienceMs: 300 }), startProc(cluster, { patienceMs: 300 })]);
    const sessionId = 'outage';
    const first = gate();
    let started = false;
    const inFlight = a.line.run(sessionId, async () => {
      started = true;
      await first.opened;
      return 'finished anyway';
    });
    await until(() => started, 'the first turn runs');
    const waiter = b.line.run(sessionId, async () => 'never');
    await until(async () => (await cluster.raw.llen(cluster.lineKey(sessionId))) === 2, 'b waits');

    await redis.kill();
    for (const proc of [a, b]) {
      const error = await within(rejection(proc.line.run(sessionId, async () => 'refused')), 2_000, 'a message while Redis is down');
      expect(error).toBeInstanceOf(NexusError);
      expect((error as NexusError).code).toBe('cluster_unavailable');
      expect((error as NexusError).message).toContain(redis.url);
    }
    const waitError = await within(rejection(waiter), 3_000, 'the waiter while Redis is down');
    expect((waitError as NexusError).code).toBe('cluster_unavailable');
    expect((waitError as NexusError).message).toContain(redis.url);
    first.open();
    expect(await inFlight).toBe('finished anyway');

    await redis.restart();
    // Redis came back empty; the connections reconnect in the background.
    let result: string | undefined;
    await until(
      async () => {
        result = await b.line.run(sessionId, async () => 'back').catch(() => undefined);
        return result !== undefined;
      },
      'a message is handled again after Redis is back',
      8_000,
    );
    expect(result).toBe('back');
    // a reconnects on its own schedule (its backoff), maybe a little after b.
    let fromA: string | undefined;
    await until(
      async () => {
        fromA = await a.line.run(sessionId, async () => 'a too').catch(() => undefined);
        return fromA !== undefined;
      },
      'a handles messages again too',
      8_000,
    );
    expect(fromA).toBe('a too');
  });

  it('reassert() puts a running entry lost with Redis data back at the head, so a waiter elsewhere does not start early', async () => {
    const { cluster, x, y, key, log, first, runs } = await xRunsWhileYWaits('lost');

    // Redis loses the line. The removal and the reassertion leave in the same tick on one connection,
    // so y (which looks every 50 ms) cannot slip in between.
    const lost = x.commands.del(key);
    await x.line.reassert();
    expect(await lost).toBe(1);
    expect(await cluster.raw.lindex(key, 0)).toMatch(new RegExp(`^${x.processId}\\|`));
    // y's next look finds its own entry gone and lines up again, behind x.
    await until(async () => (await cluster.raw.llen(key)) === 2, 'y lines up again');
    expect(await cluster.raw.lindex(key, 0)).toMatch(new RegExp(`^${x.processId}\\|`));
    expect(await cluster.raw.lindex(key, 1)).toMatch(new RegExp(`^${y.processId}\\|`));
    expect(log).toEqual(['x start']);
    // Reasserting again changes nothing.
    await x.line.reassert();
    expect(await cluster.raw.llen(key)).toBe(2);
    first.open();
    await Promise.all(runs);
    expect(log).toEqual(['x start', 'x end', 'y start']);
  });

  it('after a reconnect, waiters hold back while running turns reclaim their heads: an emptied line is not taken by a waiter', async () => {
    const sessionId = 'emptied';
    const { cluster, x, y, key, log, first, runs } = await xRunsWhileYWaits(sessionId);
    // Redis restarted empty; both processes saw the reconnect. x is slower to reassert than y's polls.
    y.line.holdAfterReconnect();
    x.line.holdAfterReconnect();
    expect(await y.line.isAbandoned(sessionId)).toBe(false);
    await cluster.raw.del(key);
    await new Promise((resolve) => setTimeout(resolve, 2 * POLL_MS)); // two of y's looks, within the hold (LEASE_MS / 3)
    expect(await cluster.raw.llen(key)).toBe(0);
    await x.line.reassert();
    expect(await cluster.raw.lindex(key, 0)).toMatch(new RegExp(`^${x.processId}\\|`));
    // Once the hold ends y lines up again, behind x.
    await until(async () => (await cluster.raw.lindex(key, 1))?.startsWith(`${y.processId}|`) === true, 'y lines up behind x');
    expect(log).toEqual(['x start']);
    first.open();
    await Promise.all(runs);
    expect(log).toEqual(['x start', 'x end', 'y start']);
  });

  // An ENQUEUE whose answer is lost (commandTimeout, dropped connection) may still have run: its
  // entry must leave the line, or it would block the session under a live process's heartbeat.
  it('a message whose ENQUEUE timed out does not leave a ghost entry that blocks its session', async () => {
    const redis = await kit.privateRedis();
    const cluster = await openCluster(redis.url);
    const [slow, other] = await Promise.all([startProc(cluster, { commandTimeout: 150 }), startProc(cluster)]);
    const sessionId = 'ghost';
    // Redis stalls for 500 ms (a slow command, a fork, a network hiccup): the ENQUEUE runs after the timeout.
    await cluster.raw.call('CLIENT', 'PAUSE', '500', 'ALL');
    const error = await rejection(slow.line.run(sessionId, async () => 'never ran'));
    expect((error as NexusError).code).toBe('cluster_unavailable');
    let ran = false;
    const next = other.line.run(sessionId, async () => {
      ran = true;
    });
    try {
      await until(() => ran, 'the next message of the session runs');
    } finally {
      other.line.close();
      await next.catch(() => undefined);
    }
  });
});
