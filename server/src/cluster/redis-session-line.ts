import { randomUUID } from 'node:crypto';
import { NexusError } from '@nexusflow/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withFence } from '../store/fence-scope.js';
import type { SessionRepository } from '../store/types.js';
import type { Subscriptions } from './redis-subscriptions.js';
import type { SessionLine } from './session-line.js';

/**
 * Each session's line is a Redis list of entries `<process id>|<ticket>`, in arrival order. Only
 * the entry at the head runs; it leaves the line when its task ends, and the processes waiting
 * hear it on the `line` channel. A head whose process stopped beating (crash, SIGKILL, lost
 * machine) is dropped by the next process that looks, which then resumes the interrupted turn
 * under the same rules as a restart. Scripts keep every read-and-change atomic.
 */

// KEYS[1] line, KEYS[2] own heartbeat; ARGV: entry, most waiting, line ttl ms, lease ms. Answers
// the new length, or -1 when full. The heartbeat is renewed with every entry, so an entry is never
// in a line while its process looks dead (right after Redis restarted empty, say).
const ENQUEUE = `
if redis.call('PEXPIRE', KEYS[2], ARGV[4]) == 0 then redis.call('SET', KEYS[2], 'alive', 'PX', ARGV[4]) end
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('LLEN', KEYS[1])`;

// KEYS[1] line, KEYS[2] own heartbeat; ARGV: entry, heartbeat key prefix, line ttl ms, lease ms.
// Drops dead heads; answers { head, dropped }. An entry that vanished (Redis restarted empty)
// joins the line again.
const ADVANCE = `
if redis.call('PEXPIRE', KEYS[2], ARGV[4]) == 0 then redis.call('SET', KEYS[2], 'alive', 'PX', ARGV[4]) end
if not redis.call('LPOS', KEYS[1], ARGV[1]) then
  redis.call('RPUSH', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
local dropped = 0
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if head == ARGV[1] then return { head, dropped } end
  local sep = string.find(head, '|', 1, true)
  if sep and redis.call('EXISTS', ARGV[2] .. string.sub(head, 1, sep - 1)) == 1 then return { head, dropped } end
  redis.call('LPOP', KEYS[1])
  dropped = dropped + 1
end`;

// KEYS[1] line; ARGV: entry, channel, session id.
const LEAVE = `
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

// KEYS[1] line, KEYS[2] own heartbeat; ARGV: entry, line ttl ms, lease ms. A running entry lost
// with Redis's data goes back to the head.
const REASSERT = `
if redis.call('PEXPIRE', KEYS[2], ARGV[3]) == 0 then redis.call('SET', KEYS[2], 'alive', 'PX', ARGV[3]) end
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS[1] line; ARGV: heartbeat key prefix. 1 when nobody alive heads the line.
const ABANDONED = `
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return 1 end
local sep = string.find(head, '|', 1, true)
if sep and redis.call('EXISTS', ARGV[1] .. string.sub(head, 1, sep - 1)) == 1 then return 0 end
return 1`;

/** A line forgotten after a day without messages (entries only live for one turn anyway). */
const LINE_TTL_MS = 24 * 60 * 60_000;

export interface RedisSessionLineOptions {
  redis: Redis;
  subscriptions: Subscriptions;
  sessions: Pick<SessionRepository, 'claim'>;
  /** Key prefix, e.g. `nf:`. */
  prefix: string;
  processId: string;
  /** Key prefix of the processes' heartbeats: `<heartbeats><process id>` exists while it lives. */
  heartbeats: string;
  /** How long a heartbeat lasts without renewal. */
  leaseMs: number;
  maxPendingPerSession: number;
  /** How often a waiting message looks again without being told (a dead head tells nobody). */
  pollMs: number;
  /** How long a waiting message bears Redis errors before it fails with `cluster_unavailable`. */
  patienceMs: number;
  unavailable: (cause: unknown) => NexusError;
  logger: Logger;
  now?: () => number;
}

export interface RedisSessionLine extends SessionLine {
  /** The channel every process hears line moves on. */
  readonly channel: string;
  /** Puts this process's running entries back at their heads after Redis lost them. */
  reassert(): Promise<void>;
  /**
   * Redis came back, maybe empty: for a third of a lease, waiting messages do not take a line's
   * head and nothing counts as abandoned, so the processes running turns put their entries back
   * first (`reassert`) instead of being overtaken by a waiter that found an empty line.
   */
  holdAfterReconnect(): void;
  /** Stops retrying removals (shutdown). */
  close(): void;
}

export function createRedisSessionLine(options: RedisSessionLineOptions): RedisSessionLine {
  const { redis, prefix, processId, logger } = options;
  const now = options.now ?? Date.now;
  const channel = `${prefix}line`;
  const lineKey = (sessionId: string) => `${prefix}line:${sessionId}`;
  const ownHeartbeat = `${options.heartbeats}${processId}`;
  const waiters = new Map<string, Set<() => void>>();
  const running = new Map<string, string>(); // entry -> session id
  const unfinished = new Set<Promise<unknown>>();
  // Entries that must leave their line but could not (Redis away): removed once it is back.
  const leftovers = new Map<string, string>();
  let closed = false;
  let holdUntil = 0;
  const holding = () => now() < holdUntil;

  options.subscriptions.on(channel, (sessionId) => {
    for (const wake of waiters.get(sessionId) ?? []) wake();
  });

  /** A promise that resolves at the next move of the session's line, or after `pollMs`. */
  function nextMove(sessionId: string): { moved: Promise<void>; cancel: () => void } {
    let set = waiters.get(sessionId);
    if (set === undefined) waiters.set(sessionId, (set = new Set()));
    let wake!: () => void;
    const moved = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, options.pollMs);
    const cancel = () => {
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0 && waiters.get(sessionId) === set) waiters.delete(sessionId);
    };
    set.add(wake);
    return { moved: moved.then(cancel), cancel };
  }

  /** One look at the line: drops dead heads, answers whether `entry` heads it. */
  async function atHead(sessionId: string, entry: string): Promise<boolean> {
    const [head, dropped] = (await redis.eval(ADVANCE, 2, lineKey(sessionId), ownHeartbeat, entry, options.heartbeats, LINE_TTL_MS, options.leaseMs)) as [string, number];
    if (dropped > 0) {
      logger.warn({ sessionId, dropped }, 'a server process died while heading a conversation; it moves on here');
      void redis.publish(channel, sessionId).catch(() => undefined);
    }
    return head === entry;
  }

  async function waitForHead(sessionId: string, entry: string): Promise<void> {
    let failingSince: number | undefined;
    for (;;) {
      const next = nextMove(sessionId);
      // Right after a reconnect, running turns reclaim their heads first (`holdAfterReconnect`).
      if (!holding()) {
        try {
          const ours = await atHead(sessionId, entry);
          failingSince = undefined;
          if (ours) {
            next.cancel();
            return;
          }
        } catch (error) {
          failingSince ??= now();
          if (now() - failingSince >= options.patienceMs) {
            next.cancel();
            throw options.unavailable(error);
          }
        }
      }
      if (closed) {
        next.cancel();
        throw new NexusError('runtime_closed', 'the server is shutting down; send the message again in a moment');
      }
      await next.moved;
    }
  }

  async function leave(sessionId: string, entry: string): Promise<void> {
    try {
      await redis.eval(LEAVE, 1, lineKey(sessionId), entry, channel, sessionId);
      leftovers.delete(entry);
    } catch {
      leftovers.set(entry, sessionId);
    }
  }

  // Removals that failed while Redis was away; the entry would otherwise block its session.
  const retry = setInterval(() => {
    for (const [entry, sessionId] of leftovers) void leave(sessionId, entry);
  }, Math.max(100, options.pollMs));
  retry.unref();

  async function run<T>(sessionId: string, task: () => Promise<T>): Promise<T> {
    const entry = `${processId}|${randomUUID()}`;
    let length: number;
    try {
      length = (await redis.eval(ENQUEUE, 2, lineKey(sessionId), ownHeartbeat, entry, options.maxPendingPerSession, LINE_TTL_MS, options.leaseMs)) as number;
    } catch (error) {
      // The script may have run with only its answer lost (a timeout): the entry would then stay in
      // line under a live process and block the session, so it leaves like any other.
      await leave(sessionId, entry);
      throw options.unavailable(error);
    }
    if (length < 0) throw new NexusError('queue_full', `session ${sessionId} already has ${options.maxPendingPerSession} messages waiting; try again shortly`);
    try {
      await waitForHead(sessionId, entry);
    } catch (error) {
      await leave(sessionId, entry);
      throw error;
    }
    running.set(entry, sessionId);
    try {
      const fence = await options.sessions.claim(sessionId);
      return await withFence(sessionId, fence, task);
    } finally {
      running.delete(entry);
      await leave(sessionId, entry);
    }
  }

  return {
    channel,
    run(sessionId, task) {
      const result = run(sessionId, task);
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      unfinished.add(settled);
      void settled.then(() => unfinished.delete(settled));
      return result;
    },
    async isAbandoned(sessionId) {
      if (holding()) return false;
      return (await redis.eval(ABANDONED, 1, lineKey(sessionId), options.heartbeats)) === 1;
    },
    async idle() {
      while (unfinished.size > 0) await Promise.all([...unfinished]);
    },
    async reassert() {
      for (const [entry, sessionId] of running) {
        if ((await redis.eval(REASSERT, 2, lineKey(sessionId), ownHeartbeat, entry, LINE_TTL_MS, options.leaseMs)) === 1) {
          logger.warn({ sessionId }, 'Redis lost the line of a running conversation; this process heads it again');
        }
      }
    },
    holdAfterReconnect() {
      holdUntil = now() + options.leaseMs / 3;
    },
    close() {
      closed = true;
      clearInterval(retry);
    },
  };
}
