import { NexusError } from '@nexusflow/engine';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** A Redis URL with its password hidden, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** The error every caller of the cluster sees while Redis cannot be reached: what, and what to do. */
export function clusterUnavailable(url: string, cause: unknown): NexusError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new NexusError(
    'cluster_unavailable',
    `Redis at ${redactRedisUrl(url)} cannot be reached (${reason}), so this server cannot keep conversations in order with the others; the message was not handled: send it again in a moment`,
    { cause },
  );
}

/** Waiting for a reconnect: quick at first, then every 2 s, forever (Redis coming back is recovery). */
const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000);

/**
 * A connection that fails fast while Redis is away: commands are refused at once instead of queued
 * (no request hangs on a dead Redis), a command that got no answer gives up after `commandTimeout`,
 * and the connection keeps trying to come back in the background.
 */
export function openRedis(url: string, name: string, logger: Logger, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 5_000,
    connectTimeout: 3_000,
    retryStrategy: reconnectDelay,
    ...extra,
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) logger.warn({ redis: redactRedisUrl(url), connection: name, err: error.message }, 'lost the connection to Redis; retrying');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ redis: redactRedisUrl(url), connection: name }, 'connected to Redis again');
    down = false;
  });
  return client;
}

/** A subscriber connection waits for Redis instead of failing: its subscriptions are re-sent on reconnect. */
export const SUBSCRIBER_OPTIONS: RedisOptions = { enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined };

/** Connects at start: a server told to use Redis does not start without it, and says why. */
export async function connectRedis(client: Redis, url: string): Promise<void> {
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`REDIS_URL is set but Redis at ${redactRedisUrl(url)} cannot be reached (${reason}); start Redis, fix REDIS_URL, or unset it to run a single process`);
  }
}
