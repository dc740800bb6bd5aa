import type { TraceEvent, TraceSink } from '@nexusflow/engine';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../observability/metrics.js';
import type { Store } from '../store/types.js';
import type { SessionEvents } from './session-events.js';

/**
 * Stores every trace event with its session, in order, announces it live (the studio trace), and
 * turns it into metrics. Writes are batched per event-loop turn and chained, so they land in emit
 * order; `flush` waits for all of them (shutdown, tests).
 */
export function createTraceRecorder(deps: {
  store: Store;
  events: SessionEvents;
  metrics: ServerMetrics;
  logger: Logger;
  workspaceOf: (sessionId: string) => string | undefined;
}): TraceSink & { flush(): Promise<void> } {
  // Events wait here until the next turn of the event loop, then go to the store in one append per
  // session: a step emits several events, and one write for all of them is much cheaper.
  let pending = new Map<string, { workspaceId: string; events: TraceEvent[] }>();
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;

  function writePending(): void {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    writing = writing.then(async () => {
      for (const [sessionId, { workspaceId, events }] of batch) {
        await deps.store.traces.append(workspaceId, sessionId, events).catch((error: unknown) => deps.logger.warn({ err: error, sessionId }, 'could not store trace events'));
      }
    });
  }

  function observe(event: TraceEvent): void {
    if (event.type === 'node.port' || event.type === 'node.error') {
      const outcome = event.type === 'node.port' ? event.port : `error:${event.error.code}`;
      deps.metrics.stepDuration.observe({ node_type: event.nodeType, outcome }, event.durationMs / 1000);
      if (event.nodeType === 'core/llm') deps.metrics.llmLatency.observe({ provider: 'any', outcome: event.type === 'node.port' ? 'ok' : event.error.code }, event.durationMs / 1000);
    }
    if (event.type === 'turn.ended') deps.metrics.turns.inc({ status: event.status });
  }

  return {
    emit(event) {
      observe(event);
      const workspaceId = deps.workspaceOf(event.sessionKey);
      if (workspaceId === undefined) return;
      deps.events.emit({ type: 'trace', sessionId: event.sessionKey, workspaceId, event });
      const entry = pending.get(event.sessionKey) ?? { workspaceId, events: [] };
      entry.events.push(event);
      pending.set(event.sessionKey, entry);
      if (!scheduled) {
        scheduled = true;
        setImmediate(writePending);
      }
    },
    async flush() {
      if (scheduled) writePending();
      await writing;
    },
  };
}
