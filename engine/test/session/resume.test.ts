import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/plugins/registry.js';
import { createSandboxPool } from '../../src/sandbox/index.js';
import { createSessionRuntime } from '../../src/session/runtime.js';
import { createFileSessionStore } from '../../src/session/stores/file-store.js';
import { createMemorySessionStore } from '../../src/session/stores/memory-store.js';
import type { CapabilityProvider, SessionStore, TraceEvent } from '../../src/session/types.js';
import { crashFlow, crashPlugin } from './crash-fixture.js';

const sandbox = createSandboxPool({ size: 1 });
afterAll(() => sandbox.close());
const registry = createRegistry({ plugins: [crashPlugin] });

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A channel that delivers each idempotency key once, like the real adapters must. */
function dedupingProvider(kv: () => Promise<unknown>) {
  const delivered: string[] = [];
  const refused: string[] = [];
  const provider: CapabilityProvider = {
    async invoke(call, context) {
      if (call.capability === 'kv') return kv();
      const key = `${context.idempotencyKey}/send`;
      if (delivered.includes(key)) refused.push(key);
      else delivered.push(key);
      return undefined;
    },
  };
  return { provider, delivered, refused };
}

/** A store that stops answering once killed, like the disk of a process that died. */
function killableStore(inner: SessionStore) {
  let dead = false;
  const store: SessionStore = {
    load: (key) => inner.load(key),
    listRunning: () => inner.listRunning(),
    save: (record) => (dead ? new Promise(() => {}) : inner.save(record)),
  };
  return { store, kill: () => (dead = true) };
}

function runtimeOn(store: SessionStore, provider: CapabilityProvider, trace: TraceEvent[] = []) {
  return createSessionRuntime({
    registry,
    store,
    sandbox,
    capabilities: provider,
    resolve: () => ({ workspaceId: 'w', flow: crashFlow }),
    trace: { emit: (e) => void trace.push(e) },
  });
}

describe('resuming after a runtime stopped mid-turn', () => {
  it('re-runs the step in flight once, with the same idempotency key', async () => {
    const shared = createMemorySessionStore();
    const first = killableStore(shared);
    const before = dedupingProvider(() => new Promise(() => {}));
    void runtimeOn(first.store, before.provider).dispatch('w:alice', { text: 'order 42' });
    await until(() => before.delivered.length === 1, 'the first send');
    first.kill();

    const after = dedupingProvider(async () => 'ok');
    const trace: TraceEvent[] = [];
    const results = await runtimeOn(shared, after.provider, trace).resumeInterrupted();
    expect(results.get('w:alice')).toMatchObject({ status: 'ended' });
    expect(before.delivered).toEqual(['w:alice/1/1/work/send']);
    expect(after.delivered).toEqual(['w:alice/1/1/work/send', 'w:alice/1/2/done/send']);
    expect(trace.find((e) => e.type === 'turn.started')).toMatchObject({ resumed: true });
    expect(trace.find((e) => e.type === 'node.entered' && e.nodeId === 'work')).toMatchObject({ attempt: 2 });
  });

  it('resumes one session by key (another process died running it) and leaves idle sessions alone', async () => {
    const shared = createMemorySessionStore();
    const first = killableStore(shared);
    const before = dedupingProvider(() => new Promise(() => {}));
    void runtimeOn(first.store, before.provider).dispatch('w:bob', { text: 'order 7' });
    await until(() => before.delivered.length === 1, 'the first send');
    first.kill();

    const after = dedupingProvider(async () => 'ok');
    const runtime = runtimeOn(shared, after.provider);
    expect(await runtime.resume('w:bob')).toMatchObject({ status: 'ended' });
    expect(after.delivered).toEqual(['w:bob/1/1/work/send', 'w:bob/1/2/done/send']);
    // Nothing is running any more: a second resume does nothing.
    expect(await runtime.resume('w:bob')).toBeUndefined();
    expect(await runtime.resume('w:nobody')).toBeUndefined();
  });

  it('does not run a step a third time: it fails with step_interrupted through its error port', async () => {
    const shared = createMemorySessionStore();
    const hang = () => new Promise(() => {});
    for (let life = 0; life < 2; life += 1) {
      const runtime = killableStore(shared);
      const provider = dedupingProvider(hang);
      const sent = () => provider.delivered.length === 1;
      if (life === 0) void runtimeOn(runtime.store, provider.provider).dispatch('w:bob', { text: 'x' });
      else void runtimeOn(runtime.store, provider.provider).resumeInterrupted();
      await until(sent, `send in life ${life}`);
      runtime.kill();
    }
    const last = dedupingProvider(async () => 'ok');
    const results = await runtimeOn(shared, last.provider).resumeInterrupted();
    expect(results.get('w:bob')).toMatchObject({ status: 'ended' });
    expect(last.delivered).toEqual(['w:bob/1/2/failed/send']);
    const record = await shared.load('w:bob');
    expect(record?.context.nodes['work']?.output).toMatchObject({ error: { code: 'step_interrupted' } });
  });

  it('resumes a turn whose process was killed with SIGKILL mid-step (real process, file store)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nexus-crash-'));
    const log = path.join(dir, 'calls.log');
    const child = fork(fileURLToPath(new URL('./crash-child.ts', import.meta.url)), [path.join(dir, 'sessions'), log], {
      execArgv: ['--no-node-snapshot', '--conditions=source', '--import', 'tsx'],
      stdio: 'inherit',
    });
    const readLog = async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { capability: string; key: string });
    await until(async () => (await readLog()).some((c) => c.capability === 'kv'), 'the child to block mid-step', 30_000);
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const after = dedupingProvider(async () => 'ok');
    const results = await runtimeOn(createFileSessionStore(path.join(dir, 'sessions')), after.provider).resumeInterrupted();
    expect(results.get('w:alice')).toMatchObject({ status: 'ended' });
    const childSends = (await readLog()).filter((c) => c.capability === 'channel').map((c) => c.key);
    expect(childSends).toEqual(['w:alice/1/1/work']);
    expect(after.delivered[0]).toBe(`${childSends[0]}/send`);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});
