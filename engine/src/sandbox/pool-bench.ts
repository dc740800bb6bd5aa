/**
 * Figures for the sandbox README (not asserted by tests). Run from the repo root:
 *   node --no-node-snapshot --import tsx engine/src/sandbox/pool-bench.ts
 */
import ivm from 'isolated-vm';
import { pathToFileURL } from 'node:url';
import { BOOTSTRAP_SOURCE } from './bootstrap-source.js';
import { CAPABILITY_METHODS } from './capability-methods.js';
import { PluginIsolate } from './plugin-isolate.js';
import { createSandboxPool } from './pool.js';
import type { SandboxCode, SandboxRunRequest } from './types.js';

const TRIVIAL: SandboxCode = {
  pluginName: 'bench',
  codeHash: 'bench-trivial',
  code: `module.exports = { nodes: {
    'bench/noop': { run: () => ({ port: 'out' }) },
    'bench/kv': { run: async (input, ctx) => ({ port: 'out', output: await ctx.kv.get('k') }) },
  } };`,
};

function summarize(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0 };
}

function print(name: string, figures: { median: number; p95: number }): void {
  console.log(`${name.padEnd(58)} median ${figures.median.toFixed(1).padStart(7)} us   p95 ${figures.p95.toFixed(1).padStart(7)} us`);
}

async function timeRuns(run: () => Promise<unknown>, warmup: number, count: number): Promise<number[]> {
  for (let i = 0; i < warmup; i += 1) await run();
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return samples;
}

function timeSync(run: () => void, warmup: number, count: number): number[] {
  for (let i = 0; i < warmup; i += 1) run();
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return samples;
}

export async function benchPoolRoundTrip(): Promise<void> {
  const pool = createSandboxPool({ size: 1 });
  const base: SandboxRunRequest = {
    workspaceId: 'bench',
    plugin: TRIVIAL,
    nodeType: 'bench/noop',
    input: { message: { text: 'hello' }, vars: {} },
    limits: { timeoutMs: 2_000, memoryMb: 32 },
    capabilities: ['kv'],
    onCapabilityCall: async () => 1,
  };
  try {
    print('pool.run, trivial step (host -> worker -> isolate -> host)', summarize(await timeRuns(() => pool.run(base), 5_000, 1_000)));
    const withCall = { ...base, nodeType: 'bench/kv' };
    print('pool.run, one capability call per step', summarize(await timeRuns(() => pool.run(withCall), 5_000, 1_000)));
  } finally {
    await pool.close();
  }
}

/** Cost inside the worker of one step's isolation, against the alternative of a context per run. */
export function benchIsolation(): void {
  let runId = 0;
  const isolate = new PluginIsolate({
    key: 'bench',
    pluginName: 'bench',
    code: TRIVIAL.code,
    memoryMb: 32,
    testHooks: false,
    onHostCall: () => undefined,
    onComplete: () => undefined,
  });
  const inputJson = JSON.stringify({ message: { text: 'hello' }, vars: {} });
  print('worker: start entry, fresh module scope + frozen ctx', summarize(timeSync(() => isolate.start(1_000, [++runId, 'bench/noop', inputJson, 'kv', 262_144]), 20_000, 10_000)));
  isolate.dispose();

  const raw = new ivm.Isolate({ memoryLimit: 512 });
  const noop = raw.createContextSync().evalSync('(function () {})', { reference: true }) as ivm.Reference<() => void>;
  print('worker: empty applySync entry (floor)', summarize(timeSync(() => noop.applySync(undefined, [], { timeout: 1_000 }), 20_000, 10_000)));

  const config = JSON.stringify({ pluginName: 'bench', methods: CAPABILITY_METHODS, maxOutputChars: 1 << 20, maxMessageChars: 2_000, maxDepth: 100 });
  const noFreeze = BOOTSTRAP_SOURCE.replace('const frozenCount = harden(', 'const frozenCount = ((roots) => roots.length)(').replace(
    "if (!Object.isFrozen(G) || !Object.isFrozen(ObjectPrototype)) throw new ErrorCtor('sandbox bootstrap could not freeze the realm');",
    '',
  );
  const callback = new ivm.Callback(() => undefined);
  const freshContext = (target: ivm.Isolate, source: string) => () => {
    const context = target.createContextSync();
    const api = context.evalClosureSync(source, [callback, callback, TRIVIAL.code, config], { result: { reference: true } });
    api.getSync('start', { reference: true }).applySync(undefined, [1, 'bench/noop', inputJson, 'kv', 262_144]);
    api.release();
    context.release();
  };
  print('alternative: bare createContextSync + release per run', summarize(timeSync(() => raw.createContextSync().release(), 20, 200)));
  print('alternative: new context + bootstrap (no freeze) per run', summarize(timeSync(freshContext(raw, noFreeze), 20, 200)));
  print('one-off: new context + bootstrap + harden (per isolate)', summarize(timeSync(freshContext(raw, BOOTSTRAP_SOURCE), 20, 200)));
  raw.dispose();

  // isolated-vm #42: contexts created and released in one long-lived isolate are not reclaimed in time.
  const small = new ivm.Isolate({ memoryLimit: 32 });
  let cycles = 0;
  try {
    for (; cycles < 5_000; cycles += 1) freshContext(small, noFreeze)();
    console.log(`alternative: 32 MiB isolate survived ${cycles} context-per-run cycles`);
  } catch {
    console.log(`alternative: 32 MiB isolate hit its memory limit after ${cycles} context-per-run cycles (isolated-vm #42)`);
  }
  if (!small.isDisposed) small.dispose();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchIsolation();
  await benchPoolRoundTrip();
}
