import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileFlowOrThrow, createRegistry } from '@nexusflow/engine';
import { loadCorePlugin } from '@nexusflow/nodes';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/types.js';
import { spawnServer, type ChildServer } from './child-server.js';
import { until } from './catalogue-helpers.js';
import { flowOf } from './harness.js';

let fake: FakeLlmServer;
const children: ChildServer[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fake = await startFakeLlmServer();
});
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
});
afterAll(async () => {
  await fake.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A fresh data directory with one workspace, credits and a deployed flow, written through the store. */
async function prepare(document: Record<string, unknown>, credits = 10_000): Promise<{ dataDir: string; store: Store; workspaceId: string; publishableKey: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-crash-'));
  dirs.push(dataDir);
  const store = openSqliteStore({ file: path.join(dataDir, 'nexusflow.db') });
  const user = await store.users.create({ email: 'crash@example.com', name: 'Crash', passwordHash: 'x' });
  const workspaceId = (await store.workspaces.create({ name: 'crash', ownerId: user.id })).id;
  await store.ledger.adjust(workspaceId, 'seed', 'bonus', credits);
  const compiled = compileFlowOrThrow(document, createRegistry({ plugins: [await loadCorePlugin()] }));
  const flow = await store.flows.create(workspaceId, { id: compiled.flow.id, name: compiled.flow.name, document: compiled.flow });
  const version = await store.versions.publish(workspaceId, flow.id, { document: compiled.flow, hash: compiled.hash, createdBy: user.id });
  const deployment = await store.deployments.create(workspaceId, { flowId: flow.id, key: flow.id, name: flow.id, versionId: version.id, publishableKey: `pk_crash_${Date.now()}`, by: user.id });
  return { dataDir, store, workspaceId, publishableKey: deployment.publishableKey };
}

const post = (url: string, key: string, contactId: string, text: string) =>
  fetch(`${url}/api/v1/chat/${key}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactId, text }) }).catch(() => undefined);

describe('crash and restart (C-01, C-02, B-06)', () => {
  it('kill -9 while an LLM step streams: the turn resumes, the step runs once more, one reply, one charge', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    fake.reset();
    fake.script(() => ({ text: words, tokenDelayMs: 60 }));
    const flow = flowOf('crashy', [
      { id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 300, stream: true } },
      { id: 'done', type: 'core/reply', config: { text: 'done' } },
    ]);
    const { dataDir, store, workspaceId, publishableKey } = await prepare(flow);
    const env = { DATA_DIR: dataDir, OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.openaiBaseURL };
    const first = await spawnServer(env);
    children.push(first);
    const contactId = 'crash-contact-000001';
    void post(first.url, publishableKey, contactId, 'tell me everything');
    await until('the model call', async () => (fake.requests.length >= 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 400));
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');

    const second = await spawnServer(env);
    children.push(second);
    const session = await until('the session', async () => (await store.sessions.list(workspaceId)).items[0]);
    const transcript = await until('the final reply', async () => {
      const entries = await store.transcripts.list(workspaceId, session.id);
      return entries.some((e) => e.text === 'done') ? entries : undefined;
    });
    expect(transcript.map((e) => `${e.role}:${e.text}`)).toEqual(['user:tell me everything', `bot:${words}`, 'bot:done']);
    expect(fake.requests.length).toBe(2);
    const usage = (await store.ledger.entries(workspaceId)).filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(1);
    const audit = await store.ledger.audit(workspaceId);
    expect(audit).toMatchObject({ ok: true, held: 0 });
    expect(audit.balance).toBe(10_000 - -usage[0]!.amount);
    const trace = await store.traces.list(workspaceId, session.id);
    expect(trace.some((t) => t.event.type === 'turn.started' && t.event.resumed)).toBe(true);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it('a crash right after a reply is stored (kill hook): the re-run step sends nothing twice', async () => {
    const flow = flowOf('two-replies', [
      { id: 'r1', type: 'core/reply', config: { text: 'first' } },
      { id: 'r2', type: 'core/reply', config: { text: 'second' } },
    ]);
    const { dataDir, store, workspaceId, publishableKey } = await prepare(flow);
    const first = await spawnServer({ DATA_DIR: dataDir, NEXUSFLOW_KILL_AT: 'after-send', LLM_OFFLINE: '1' });
    children.push(first);
    void post(first.url, publishableKey, 'kill-hook-contact-0001', 'hello');
    expect(await first.exited).toBe('SIGKILL');
    const second = await spawnServer({ DATA_DIR: dataDir, LLM_OFFLINE: '1' });
    children.push(second);
    const session = await until('the session', async () => (await store.sessions.list(workspaceId)).items[0]);
    const transcript = await until('both replies', async () => {
      const entries = await store.transcripts.list(workspaceId, session.id);
      return entries.some((e) => e.text === 'second') ? entries : undefined;
    });
    expect(transcript.map((e) => `${e.role}:${e.text}`)).toEqual(['user:hello', 'bot:first', 'bot:second']);
    // The last reply is stored (and handed to its channel) before the step ends and the record is saved.
    const record = await until('the turn to end', async () => {
      const latest = (await store.sessions.byId(session.id))?.record;
      return latest?.status === 'running' ? undefined : latest;
    });
    expect(record?.status).toBe('idle');
  }, 120_000);
});

describe('start-up checks (B-08)', () => {
  it('refuses to start with a broken rates file or bad configuration, saying what is wrong', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-config-'));
    dirs.push(dataDir);
    const { writeFile } = await import('node:fs/promises');
    const rates = path.join(dataDir, 'rates.json');
    await writeFile(rates, JSON.stringify({ feePercent: 0, models: { 'openai/gpt-4o': { inputPer1K: -1, outputPer1K: Number.NaN } } }));
    const broken = spawnServer({ DATA_DIR: dataDir, RATES_FILE: rates }, 30_000);
    await expect(broken).rejects.toThrow(/exited \(1\)[\s\S]*rates\.json/);
    const badPort = spawnServer({ DATA_DIR: dataDir, PORT: 'http' }, 30_000);
    await expect(badPort).rejects.toThrow(/exited \(2\)[\s\S]*PORT must be a whole number/);
  }, 60_000);
});

describe('graceful shutdown (C-07)', () => {
  it('SIGTERM during running turns: new work gets 503, running turns finish, exit 0, nothing half-written', async () => {
    fake.reset();
    fake.script(() => ({ text: 'a fairly slow answer with several tokens in it', tokenDelayMs: 40 }));
    const flow = flowOf('slow', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 100, stream: true } }]);
    const { dataDir, store, workspaceId, publishableKey } = await prepare(flow);
    const server = await spawnServer({ DATA_DIR: dataDir, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.openaiBaseURL, SHUTDOWN_GRACE_MS: '20000' });
    children.push(server);
    const turns = Array.from({ length: 5 }, (_, i) => post(server.url, publishableKey, `term-contact-${String(i).padStart(8, '0')}`, 'hello'));
    await until('model calls', async () => (fake.requests.length >= 1 ? true : undefined));
    server.process.kill('SIGTERM');
    await until('the shutdown notice', async () => (server.output.join('').includes('SIGTERM: finishing') ? true : undefined));
    const late = await post(server.url, publishableKey, 'term-contact-late0001', 'too late');
    expect(late === undefined || late.status === 503).toBe(true);
    const answered = await Promise.all(turns);
    expect(await server.exited).toBe(0);
    expect(answered.every((r) => r?.status === 200)).toBe(true);
    const sessions = (await store.sessions.list(workspaceId)).items;
    expect(sessions).toHaveLength(5);
    for (const s of sessions) {
      const record = (await store.sessions.byId(s.id))?.record;
      expect(record?.status).toBe('idle');
      const bot = (await store.transcripts.list(workspaceId, s.id)).filter((e) => e.role === 'bot');
      expect(bot).toHaveLength(1);
    }
    expect(await store.ledger.audit(workspaceId)).toMatchObject({ ok: true, held: 0 });
  }, 120_000);
});
