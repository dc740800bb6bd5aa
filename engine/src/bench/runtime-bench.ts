import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRegistry } from '../plugins/registry.js';
import { createSandboxPool } from '../sandbox/index.js';
import { createSessionRuntime } from '../session/runtime.js';
import { createFileSessionStore } from '../session/stores/file-store.js';
import { createMemorySessionStore } from '../session/stores/memory-store.js';
import type { SessionStore } from '../session/types.js';
import { chainFlow, median, percentile, report, trivialPlugin } from './fixtures.js';

const registry = createRegistry({ plugins: [trivialPlugin()] });
const noCapabilities = { invoke: async () => undefined };

function runtimeFor(flow: ReturnType<typeof chainFlow>, sandbox: ReturnType<typeof createSandboxPool>, store: SessionStore = createMemorySessionStore()) {
  // Session keys are `<workspace>:<contact>`.
  const resolve = (key: string) => ({ workspaceId: key.split(':')[0] as string, flow });
  return createSessionRuntime({ registry, store, sandbox, capabilities: noCapabilities, resolve });
}

/** Per-step cost of a trivial plugin node, host → sandbox worker → isolate → host, over 100-step turns. */
export async function benchStepOverhead(): Promise<void> {
  const sandbox = createSandboxPool({ size: 1 });
  try {
    const runtime = runtimeFor(chainFlow(100), sandbox);
    const perStep: number[] = [];
    for (let turn = 0; turn < 60; turn += 1) {
      const started = process.hrtime.bigint();
      const result = await runtime.dispatch('bench:step', { text: 'go' });
      const micros = Number(process.hrtime.bigint() - started) / 1000;
      if (result.steps !== 100) throw new Error(`expected 100 steps, got ${JSON.stringify(result)}`);
      if (turn >= 10) perStep.push(micros / 100);
    }
    report('step overhead (100-step turn)', {
      median_us_per_step: median(perStep),
      p95_us_per_step: percentile(perStep, 95),
      target_median_us: 150,
    });
    const raw = sandbox.stats();
    report('  sandbox stats', { workers: raw.workers.length, runs: raw.workers.reduce((n, w) => n + w.runs, 0) });
  } finally {
    await sandbox.close();
  }
}

/** Turns per second of a 10-node flow, one session after another and 32 sessions at once. */
export async function benchThroughput(): Promise<void> {
  const sandbox = createSandboxPool();
  try {
    const runtime = runtimeFor(chainFlow(10), sandbox);
    for (let i = 0; i < 200; i += 1) await runtime.dispatch('bench:warm', { text: 'go' });
    let turns = 0;
    let failed = 0;
    const count = (status: string) => (status === 'ended' ? (turns += 1) : (failed += 1));
    let started = performance.now();
    while (performance.now() - started < 2000) count((await runtime.dispatch('bench:seq', { text: 'go' })).status);
    const sequential = turns / ((performance.now() - started) / 1000);
    turns = 0;
    started = performance.now();
    // 32 sessions spread over 8 workspaces, as a shared server would see them.
    await Promise.all(
      Array.from({ length: 32 }, async (_, s) => {
        while (performance.now() - started < 2000) count((await runtime.dispatch(`ws${s % 8}:c${s}`, { text: 'go' })).status);
      }),
    );
    const concurrent = turns / ((performance.now() - started) / 1000);
    report('turns/s, 10-node flow', {
      one_session: sequential,
      sessions_32: concurrent,
      concurrency_gain: concurrent / sequential,
      failed_turns: failed,
      workers: sandbox.stats().workers.length,
    });
  } finally {
    await sandbox.close();
  }
}

async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i += 1) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** Heap held by the session-owning process per parked session; records live on disk, so the store is excluded. */
export async function benchParkedHeap(): Promise<void> {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    report('heap per parked session', { skipped: 'run node with --expose-gc' });
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'nexus-bench-'));
  const sandbox = createSandboxPool({ size: 1 });
  try {
    const runtime = runtimeFor(chainFlow(3, { endAtWait: true }), sandbox, createFileSessionStore(dir));
    await runtime.dispatch('bench:warm', { text: 'hello' });
    const sessions = 3000;
    const before = await heapAfterGc();
    for (let i = 0; i < sessions; i += 1) {
      const result = await runtime.dispatch(`bench:parked-${i}`, { text: 'hello there' });
      if (result.status !== 'parked') throw new Error(JSON.stringify(result));
    }
    const after = await heapAfterGc();
    const files = await readdir(dir);
    const bytes = (await Promise.all(files.slice(0, 100).map((f) => stat(path.join(dir, f))))).reduce((n, s) => n + s.size, 0) / Math.min(100, files.length);
    report('heap per parked session', {
      sessions,
      bytes_per_session: (after - before) / sessions,
      target_bytes: 10_240,
      stored_record_bytes: bytes,
    });
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}
