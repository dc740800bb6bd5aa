import type { Logger } from 'pino';
import type { Subscriptions } from './redis-subscriptions.js';

/** What one process tells every other: something they may have cached changed. */
export type ClusterNotice =
  /** A workspace's plugins were added, replaced, enabled, disabled or removed: drop its node registry. */
  | { type: 'plugins.changed'; workspaceId: string }
  /** A flow version was published or a deployment moved: drop cached flow documents. */
  | { type: 'flow.published'; workspaceId: string; flowId: string }
  /** This process was cut off from Redis and may have missed notices: drop every cache. */
  | { type: 'reconnected' };

export interface ClusterBus {
  /** Runs the handlers here and on every other process. */
  announce(notice: ClusterNotice): void;
  on(handler: (notice: ClusterNotice) => void): void;
}

/** One process: notices only reach this process's handlers. */
export function createLocalBus(): ClusterBus {
  const handlers: ((notice: ClusterNotice) => void)[] = [];
  return {
    announce: (notice) => handlers.forEach((handler) => handler(notice)),
    on: (handler) => void handlers.push(handler),
  };
}

/** Several processes: notices also go out on the Redis `bus` channel. */
export function createRedisBus(deps: { publish: (channel: string, message: string) => Promise<unknown>; subscriptions: Subscriptions; channel: string; processId: string; logger: Logger }): ClusterBus {
  const local = createLocalBus();
  deps.subscriptions.on(deps.channel, (message) => {
    const { from, notice } = JSON.parse(message) as { from: string; notice: ClusterNotice };
    if (from !== deps.processId) local.announce(notice);
  });
  return {
    announce(notice) {
      local.announce(notice);
      deps.publish(deps.channel, JSON.stringify({ from: deps.processId, notice })).catch((error: unknown) => {
        // The others keep their caches until their next restart; say so rather than hide it.
        deps.logger.error({ err: (error as Error).message, notice }, 'could not tell the other server processes about a change (Redis unreachable); they may use cached flows or plugins until restarted');
      });
    },
    on: local.on,
  };
}
