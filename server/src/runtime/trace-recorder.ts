import type { TraceEvent, TraceSink } from '@nexusflow/engine';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../observability/metrics.js';
import type { Store } from '../store/types.js';
import type { SessionEvents } from './session-events.js';

/**
 * Stores every trace event with its session, in order, announces it live (the studio trace), and
 * turns it into metrics. Writes for one session are chained so they land in emit order; `flush`
 * waits for all of them (shutdown, tests).
 */
export function createTraceRecorder(deps: {
  store: Store;
  events: SessionEvents;
  metrics: ServerMetrics;
  logger: Logger;
  workspaceOf: (sessionId: string) => string | undefined;
}): TraceSink & { flush(): Promise<void> } {
  const chains = new Map<string, Promise<void>>();

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
      const previous = chains.get(event.sessionKey) ?? Promise.resolve();
      const next = previous
        .then(() => deps.store.traces.append(workspaceId, event.sessionKey, [event]))
        .catch((error: unknown) => deps.logger.warn({ err: error, sessionId: event.sessionKey }, 'could not store a trace event'));
      chains.set(event.sessionKey, next);
      void next.then(() => {
        if (chains.get(event.sessionKey) === next) chains.delete(event.sessionKey);
      });
    },
    async flush() {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
}
