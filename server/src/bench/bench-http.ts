import { median, percentile, report } from '@nexusflow/engine/testing';
import type { FlowDocument } from '@nexusflow/engine';
import { startBenchServer } from './bench-server.js';

/** A 10-node flow: variables, a branch, a credit check, an LLM call (offline demo model) and a reply. */
export function tenNodeFlow(): FlowDocument {
  const node = (id: string, type: string, config: Record<string, unknown>, x: number) => ({ id, type, position: { x: x * 180, y: 0 }, config });
  const nodes = [
    node('start', 'core/trigger', {}, 0),
    node('s1', 'core/set', { vars: { greeted: true } }, 1),
    node('s2', 'core/set', { vars: { length: '{{ $length(message.text) }}' } }, 2),
    node('route', 'core/branch', { conditions: [{ port: 'empty', when: 'message.text = ""' }], otherwise: 'next' }, 3),
    node('s3', 'core/set', { vars: { topic: 'general' } }, 4),
    node('check', 'core/billing-check', { provider: 'openai', model: 'gpt-4o-mini', maxTokens: 64 }, 5),
    node('answer', 'core/llm', { provider: 'openai', model: 'gpt-4o-mini', maxTokens: 64 }, 6),
    node('s4', 'core/set', { vars: { answered: true } }, 7),
    node('reply', 'core/reply', { text: 'Done: {{ vars.topic }}' }, 8),
    node('stop', 'core/end', {}, 9),
  ];
  const chain = ['start', 's1', 's2', 'route', 's3', 'check', 'answer', 's4', 'reply', 'stop'];
  const ports: Record<string, string> = { route: 'next', check: 'ok' };
  const edges = chain.slice(1).map((target, i) => ({ id: `e${i}`, source: chain[i] as string, port: ports[chain[i] as string] ?? 'out', target }));
  return { format: 'nexusflow/flow@1', id: 'bench-ten', name: 'Bench: ten nodes', nodes, edges } as FlowDocument;
}

/** `connections` clients each sending `turnsPerConnection` messages in turn; client c talks to `urls[c % urls.length]`. */
export async function load(urls: string | string[], key: string, connections: number, turnsPerConnection: number): Promise<{ latencies: number[]; seconds: number; failures: number }> {
  const targets = typeof urls === 'string' ? [urls] : urls;
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const contactId = `bench-contact-${String(c).padStart(8, '0')}-${connections}`;
      for (let i = 0; i < turnsPerConnection; i += 1) {
        const t0 = performance.now();
        const res = await fetch(`${targets[c % targets.length]}/api/v1/chat/${key}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactId, text: `question ${i}` }) });
        await res.arrayBuffer();
        if (res.status !== 200) failures += 1;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000, failures };
}

/** Turns per second and latency percentiles of the 10-node flow over HTTP, at 10 and 50 connections. */
export async function benchHttpTurns(): Promise<void> {
  const server = await startBenchServer(tenNodeFlow());
  try {
    await load(server.url, server.publishableKey, 4, 5); // warm-up: workers, isolates, JIT
    for (const connections of [10, 50]) {
      const turns = connections === 10 ? 30 : 8;
      const { latencies, seconds, failures } = await load(server.url, server.publishableKey, connections, turns);
      report(`server: 10-node flow, ${connections} conns`, {
        turns: latencies.length,
        failures,
        turns_per_s: latencies.length / seconds,
        p50_ms: median(latencies),
        p99_ms: percentile(latencies, 99),
        ms_per_turn_per_conn: (seconds * 1000) / turns,
      });
    }
  } finally {
    await server.stop();
  }
}
