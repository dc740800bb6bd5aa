import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Handlers per pub/sub channel over one subscriber connection. */
export interface Subscriptions {
  /** Calls `handler` with each message published on `channel`; returns the function that stops it. */
  on(channel: string, handler: (message: string) => void): () => void;
  /** Resolves once Redis confirmed the subscription of `channel` (at start, before serving). */
  ready(channel: string): Promise<void>;
}

/**
 * A channel is subscribed while it has a handler and unsubscribed with its last one, so a process
 * hears only the sessions someone on it watches. The connection re-subscribes after a reconnect.
 */
export function createSubscriptions(subscriber: Redis, logger: Logger): Subscriptions {
  const handlers = new Map<string, Set<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) {
      try {
        handler(message);
      } catch (error) {
        logger.warn({ err: error, channel }, 'a Redis message handler failed');
      }
    }
  });
  const quietly = (promise: Promise<unknown>) => void promise.catch(() => undefined);
  return {
    on(channel, handler) {
      let set = handlers.get(channel);
      if (set === undefined) {
        set = new Set();
        handlers.set(channel, set);
        // While Redis is away the subscription waits in the connection's queue and is sent on reconnect.
        quietly(subscriber.subscribe(channel));
      }
      set.add(handler);
      return () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          quietly(subscriber.unsubscribe(channel));
        }
      };
    },
    async ready(channel) {
      await subscriber.subscribe(channel);
    },
  };
}
