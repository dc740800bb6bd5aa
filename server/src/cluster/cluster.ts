import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { createFailureThrottle, type FailureThrottleOptions } from '../auth/failure-throttle.js';
import type { ServerConfig } from '../config/config.js';
import type { SessionEvents } from '../runtime/session-events.js';
import type { SessionRepository } from '../store/types.js';
import { createRedisChannelLeases, soleProcessLeases, type ChannelLeases } from './channel-leases.js';
import { createLocalBus, createRedisBus, type ClusterBus } from './cluster-bus.js';
import { localFailureGate, redisFailureGate, type AuthFailureGate } from './shared-failure-throttle.js';
import { relaySessionEvents } from './event-relay.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { startOrphanSweeper, type OrphanSweeper } from './orphan-sweeper.js';
import { SUBSCRIBER_OPTIONS, clusterUnavailable, connectRedis, openRedis } from './redis-connection.js';
import { createRedisSessionLine, type RedisSessionLine } from './redis-session-line.js';
import { createSubscriptions } from './redis-subscriptions.js';
import { MAX_PENDING_PER_SESSION, createLocalSessionLine, type SessionLine } from './session-line.js';

type SocketAdapter = ReturnType<typeof createAdapter>;

/** What lets several server processes serve as one: one process alone gets in-memory versions. */
export interface Cluster {
  readonly mode: 'single' | 'redis';
  /** This process, as the others see it. */
  readonly processId: string;
  readonly line: SessionLine;
  readonly bus: ClusterBus;
  /** Session events of every process (the local bus when alone). */
  readonly events: SessionEvents;
  /** Which process runs each single-process channel connection (WhatsApp Web). */
  readonly channelLeases: ChannelLeases;
  /** How long a silent process keeps its conversations and connections. */
  readonly leaseMs: number;
  /** Socket.IO's Redis adapter, or undefined for its in-memory default. */
  readonly socketAdapter: SocketAdapter | undefined;
  /** Failed sign-ins counted for all processes (Redis), in memory when alone or while Redis is away. */
  authFailures(limits: FailureThrottleOptions): AuthFailureGate;
  /** A shared counter store for express-rate-limit, or undefined to count in memory. */
  rateLimitStore(name: string): RateLimitStore | undefined;
  /** Redis reachability for `/healthz`. */
  redisStatus(): Promise<'off' | 'up' | 'down'>;
  /** Resumes turns a stop left running: at start, and with others whenever a process dies. */
  startSweeper(deps: { listRunning: () => Promise<string[]>; resume: (sessionId: string) => Promise<unknown> }): OrphanSweeper;
  /** Leaves the cluster: after the running turns ended, others take over at once. */
  close(): Promise<void>;
}

export function createSingleProcess(events: SessionEvents, logger: Logger): Cluster {
  const line = createLocalSessionLine(MAX_PENDING_PER_SESSION);
  return {
    mode: 'single',
    processId: `${hostname()}:${process.pid}`,
    line,
    bus: createLocalBus(),
    events,
    channelLeases: soleProcessLeases,
    leaseMs: 0,
    socketAdapter: undefined,
    authFailures: (limits) => localFailureGate(createFailureThrottle(limits)),
    rateLimitStore: () => undefined,
    redisStatus: async () => 'off',
    // Turns a stop left running finish once, at start.
    startSweeper: (deps) => startOrphanSweeper({ line, ...deps, logger }),
    close: async () => undefined,
  };
}

/** Publishing through Socket.IO's adapter never rejects unhandled: a lost broadcast is logged by Redis's error handler. */
function quietPublisher(client: Redis): Redis {
  const publish = client.publish.bind(client) as (channel: string, message: string | Buffer) => Promise<number>;
  (client as unknown as { publish: typeof publish }).publish = (channel, message) => publish(channel, message).catch(() => 0);
  return client;
}

/**
 * Joins the processes sharing `REDIS_URL`: per-session lines with fencing, a heartbeat, session
 * events and cache notices over pub/sub, Socket.IO's Redis adapter and shared rate-limit counters.
 */
export async function joinCluster(options: { config: ServerConfig & { redisUrl: string }; logger: Logger; events: SessionEvents; sessions: Pick<SessionRepository, 'claim'> }): Promise<Cluster> {
  const { config, logger } = options;
  const url = config.redisUrl;
  const prefix = config.redisKeyPrefix;
  const leaseMs = config.clusterLeaseMs;
  const processId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const commands = openRedis(url, 'nexusflow', logger);
  const subscriber = openRedis(url, 'nexusflow-sub', logger, SUBSCRIBER_OPTIONS);
  const adapterPub = openRedis(url, 'nexusflow-io-pub', logger);
  const adapterSub = openRedis(url, 'nexusflow-io-sub', logger, SUBSCRIBER_OPTIONS);
  const connections = [commands, subscriber, adapterPub, adapterSub];
  let heartbeat: Heartbeat | undefined;
  try {
    await Promise.all(connections.map((client) => connectRedis(client, url)));
    const subscriptions = createSubscriptions(subscriber, logger);
    const publish = (channel: string, message: string) => commands.publish(channel, message);
    const heartbeats = `${prefix}proc:`;
    heartbeat = await startHeartbeat({ redis: commands, key: `${heartbeats}${processId}`, leaseMs, logger, info: JSON.stringify({ pid: process.pid, host: hostname() }) });
    const line: RedisSessionLine = createRedisSessionLine({
      redis: commands,
      subscriptions,
      sessions: options.sessions,
      prefix,
      processId,
      heartbeats,
      leaseMs,
      maxPendingPerSession: MAX_PENDING_PER_SESSION,
      pollMs: Math.max(50, Math.min(1_000, Math.floor(leaseMs / 4))),
      patienceMs: Math.min(5_000, leaseMs),
      unavailable: (cause) => clusterUnavailable(url, cause),
      logger,
    });
    const busChannel = `${prefix}bus`;
    const bus = createRedisBus({ publish, subscriptions, channel: busChannel, processId, logger });
    await Promise.all([subscriptions.ready(line.channel), subscriptions.ready(busChannel)]);
    let wasDown = false;
    commands.on('error', () => (wasDown = true));
    commands.on('ready', () => {
      if (!wasDown) return;
      wasDown = false;
      // Redis may have restarted empty: this process's running turns head their lines again (before
      // any waiter here takes an emptied line), and notices sent while it was away are lost, so
      // every cache goes.
      line.holdAfterReconnect();
      void line.reassert().catch((error: unknown) => logger.warn({ err: error }, 'could not restore the lines of running conversations'));
      bus.announce({ type: 'reconnected' });
    });
    const events = relaySessionEvents(options.events, { publish, subscriptions, prefix, processId, logger });
    const socketAdapter = createAdapter(quietPublisher(adapterPub), adapterSub, { key: `${prefix}socket.io` });
    let sweeper: OrphanSweeper | undefined;
    logger.info({ processId, leaseMs }, 'joined the server processes sharing Redis');
    return {
      mode: 'redis',
      processId,
      line,
      bus,
      events,
      channelLeases: createRedisChannelLeases({ redis: commands, prefix, processId, leaseMs, unavailable: (cause) => clusterUnavailable(url, cause) }),
      leaseMs,
      socketAdapter,
      authFailures(limits) {
        return redisFailureGate({ redis: commands, prefix, maxFailures: limits.maxFailures, windowMs: limits.windowMs, fallback: createFailureThrottle(limits), logger });
      },
      rateLimitStore(name) {
        return new RedisStore({
          sendCommand: (command: string, ...args: string[]) => commands.call(command, ...args) as Promise<RedisReply>,
          prefix: `${prefix}rl:${name}:`,
        });
      },
      async redisStatus() {
        try {
          await commands.ping();
          return 'up';
        } catch {
          return 'down';
        }
      },
      startSweeper(deps) {
        sweeper = startOrphanSweeper({ line, ...deps, everyMs: Math.max(100, Math.floor(leaseMs / 2)), logger });
        return sweeper;
      },
      async close() {
        sweeper?.stop();
        // Messages still waiting fail with runtime_closed and leave their lines; running ones end.
        line.close();
        await Promise.race([line.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        await heartbeat?.stop();
        await Promise.all(connections.map((client) => client.quit().catch(() => client.disconnect())));
      },
    };
  } catch (error) {
    await heartbeat?.stop();
    for (const client of connections) client.disconnect();
    throw error;
  }
}
