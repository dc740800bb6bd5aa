import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface Heartbeat {
  /** Stops beating and removes the key, so others take over this process's lines at once. */
  stop(): Promise<void>;
}

/**
 * The sign that a process is alive: a key that expires `leaseMs` after its last beat. Beats come
 * every third of the lease, so two can fail before others see the process as gone.
 */
export async function startHeartbeat(options: { redis: Redis; key: string; leaseMs: number; logger: Logger; info: string }): Promise<Heartbeat> {
  const { redis, key, leaseMs } = options;
  const beat = () => redis.set(key, options.info, 'PX', leaseMs);
  await beat();
  let failing = false;
  const timer = setInterval(() => {
    beat().then(
      () => (failing = false),
      (error: unknown) => {
        if (!failing) options.logger.warn({ err: (error as Error).message }, 'could not renew this process heartbeat in Redis; others may take over its conversations');
        failing = true;
      },
    );
  }, Math.max(50, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.del(key).catch(() => undefined);
    },
  };
}
