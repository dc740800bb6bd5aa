import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { SessionEvent, SessionEvents } from '../runtime/session-events.js';
import type { Subscriptions } from './redis-subscriptions.js';

/**
 * Session events across processes: every event is also published on the session's Redis channel,
 * and a process subscribes to a session's channel while someone on it listens to that session (a
 * widget, an editor watching the trace). Remote events reach per-session listeners only; `onAny`
 * stays local, because its listeners (metrics, logs) count what this process did.
 */
export function relaySessionEvents(local: SessionEvents, deps: { publish: (channel: string, message: string) => Promise<unknown>; subscriptions: Subscriptions; prefix: string; processId: string; logger: Logger }): SessionEvents {
  const remote = new EventEmitter();
  remote.setMaxListeners(0);
  const channelOf = (sessionId: string) => `${deps.prefix}ev:${sessionId}`;
  const unsubscribe = new Map<string, () => void>();
  const outgoing = new Map<string, SessionEvent[]>();
  let failing = false;

  function flush(): void {
    for (const [sessionId, events] of outgoing) {
      deps.publish(channelOf(sessionId), JSON.stringify({ from: deps.processId, events })).then(
        () => (failing = false),
        (error: unknown) => {
          // Listeners on this process already have them; others miss them until Redis is back (widgets catch up from the transcript).
          if (!failing) deps.logger.warn({ err: (error as Error).message }, 'could not relay session events through Redis');
          failing = true;
        },
      );
    }
    outgoing.clear();
  }

  function subscribe(sessionId: string): void {
    if (unsubscribe.has(sessionId)) return;
    const stop = deps.subscriptions.on(channelOf(sessionId), (message) => {
      const { from, events } = JSON.parse(message) as { from: string; events: SessionEvent[] };
      if (from !== deps.processId) for (const event of events) remote.emit(sessionId, event);
    });
    unsubscribe.set(sessionId, stop);
  }

  return {
    emit(event) {
      local.emit(event);
      // A turn emits its trace events in bursts: one publish per session per tick, in order.
      let batch = outgoing.get(event.sessionId);
      if (batch === undefined) {
        outgoing.set(event.sessionId, (batch = []));
        if (outgoing.size === 1) setImmediate(flush);
      }
      batch.push(event);
    },
    on(sessionId, listener) {
      const stopLocal = local.on(sessionId, listener);
      remote.on(sessionId, listener);
      subscribe(sessionId);
      return () => {
        stopLocal();
        remote.off(sessionId, listener);
        if (remote.listenerCount(sessionId) === 0) {
          unsubscribe.get(sessionId)?.();
          unsubscribe.delete(sessionId);
        }
      };
    },
    onLocal: (sessionId, listener) => local.onLocal(sessionId, listener),
    onAny: (listener) => local.onAny(listener),
  };
}
