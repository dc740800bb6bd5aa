import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own (several servers can live in one test process). */
export interface ServerMetrics {
  registry: Registry;
  turns: Counter<'status'>;
  stepDuration: Histogram<'node_type' | 'outcome'>;
  llmLatency: Histogram<'provider' | 'outcome'>;
  creditsCharged: Counter<'workspace_kind'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  socketConnections: Counter<'namespace'>;
}

export function createMetrics(options: { defaults?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry, prefix: 'nexusflow_' });
  const registers = [registry];
  return {
    registry,
    turns: new Counter({ name: 'nexusflow_turns_total', help: 'Turns processed, by how they ended (ended, parked, failed)', labelNames: ['status'], registers }),
    stepDuration: new Histogram({
      name: 'nexusflow_step_duration_seconds',
      help: 'Duration of flow steps, by node type and outcome (port or error)',
      labelNames: ['node_type', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    llmLatency: new Histogram({
      name: 'nexusflow_llm_latency_seconds',
      help: 'Duration of LLM steps (core/llm), request to full reply',
      labelNames: ['provider', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    creditsCharged: new Counter({ name: 'nexusflow_credits_charged_total', help: 'Credits charged for usage', labelNames: ['workspace_kind'], registers }),
    httpRequests: new Counter({ name: 'nexusflow_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers }),
    socketConnections: new Counter({ name: 'nexusflow_socket_connections_total', help: 'Socket.IO connections accepted, by namespace', labelNames: ['namespace'], registers }),
  };
}
