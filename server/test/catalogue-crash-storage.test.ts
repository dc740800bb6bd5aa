/**
 * Reliability catalogue C-08 (RELIABILITY.md §9): storage failures.
 *
 * - Full disk and a storage that refuses writes, on a running server. `PRAGMA max_page_count` and
 *   `PRAGMA query_only` are per connection: set from a second better-sqlite3 handle they would
 *   limit only that handle. So the server runs in this process and the pragmas go to its own
 *   connection (`SqliteStore.database`, which exists for backups and tests); no test-only hook is
 *   needed, and the requests still travel real HTTP on 127.0.0.1. `query_only` answers
 *   SQLITE_READONLY exactly like a file or disk that turned read-only under a running process,
 *   which `chmod` cannot simulate: permissions are checked at open, not on an open descriptor.
 * - A read-only data directory at start-up (chmod). Root ignores file permissions, so as root the
 *   server child runs as `nobody`; without such a user the case is skipped and says why.
 * - MongoDB unreachable: the child points MONGODB_URI at a closed loopback port.
 */
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileFlowOrThrow, createRegistry } from '@nexusflow/engine';
import { loadCorePlugin } from '@nexusflow/nodes';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../src/store/sqlite/index.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { spawnServer, type ChildServer } from './child-server.js';
import { checkInvariants, post, until } from './catalogue-helpers.js';
import { deployFlow, flowOf, startTestServer, type TestServer } from './harness.js';

const echoFlow = flowOf('storage-echo', [{ id: 'echo', type: 'core/reply', config: { text: 'You said: {{ message.text }}' } }]);
const contactId = (label: string) => `${label}-${Date.now()}`.padEnd(16, '0');

describe('C-08: storage fails under a running server', () => {
  let server: TestServer;
  let fake: FakeLlmServer;
  let db: SqliteStore['database'];
  let owner: Awaited<ReturnType<TestServer['signUp']>>;
  let publishableKey: string;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    server = await startTestServer({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.openaiBaseURL });
    expect(server.ctx.store.kind).toBe('sqlite');
    db = (server.ctx.store as SqliteStore).database;
    owner = await server.signUp('Storage');
    await server.ctx.store.ledger.adjust(owner.workspaceId, 'seed', 'bonus', 10_000);
    publishableKey = (await deployFlow(server, owner.workspaceId, echoFlow)).publishableKey;
  }, 60_000);
  afterAll(async () => {
    if (db?.open) {
      db.pragma('query_only = OFF');
      db.pragma('max_page_count = 1073741823');
    }
    await server?.stop();
    await fake?.close();
  });

  const topUp = (idempotencyKey: string, note: string) =>
    server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/credits/top-ups`, { token: owner.token, body: { amount: 5, idempotencyKey, note } });

  it('a full database: 503 storage_unavailable saying so, no partial ledger entry, and recovery once there is room', async () => {
    const { store } = server.ctx;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    expect(db.pragma('max_page_count', { simple: true })).toBe(pages);

    // Top-ups with long notes fill the free space left in the file's pages, until the disk is "full".
    const note = 'n'.repeat(500);
    let refused: Awaited<ReturnType<typeof topUp>> | undefined;
    let failedKey = '';
    let before = await store.ledger.entries(owner.workspaceId);
    const deadline = Date.now() + 30_000;
    for (let i = 0; i < 400 && Date.now() < deadline; i += 1) {
      before = await store.ledger.entries(owner.workspaceId);
      const res = await topUp(`fill-${i}`, note);
      if (res.status !== 201) {
        refused = res;
        failedKey = `fill-${i}`;
        break;
      }
    }
    expect(refused, 'the database never filled up').toBeDefined();
    expect(refused!.status).toBe(503);
    expect(refused!.body).toMatchObject({ error: 'storage_unavailable', message: expect.stringMatching(/storage is unavailable: the database or its disk is full/) });
    expect(refused!.headers.get('retry-after')).toBe('5');
    // Nothing of the refused top-up was written.
    expect(await store.ledger.entries(owner.workspaceId)).toEqual(before);
    await checkInvariants(store, [owner.workspaceId], server.url);

    // A chat message that needs new pages (a row past the 4 KiB page spills to an overflow page) is
    // refused the same way, and the server stays up. Its echo still fits one channel message (4096).
    const long = 'x'.repeat(4_000);
    const chat = await post(server.url, publishableKey, contactId('c08-full'), long);
    expect(chat.status).toBe(503);
    expect(chat.body).toMatchObject({ error: 'storage_unavailable', message: expect.stringMatching(/full/) });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // Room again: the same requests succeed, and the refused key was never bound.
    db.pragma('max_page_count = 1073741823');
    const again = await topUp(failedKey, note);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ kind: 'purchase', amount: 5, key: `topup:${failedKey}` });
    const answered = await post(server.url, publishableKey, contactId('c08-full'), long);
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body.replies).toMatchObject([{ role: 'bot', text: `You said: ${long}` }]);
    await checkInvariants(store, [owner.workspaceId], server.url);
  }, 60_000);

  it('writes refused (read-only storage): 503 storage_unavailable, reads still answer, recovery when writes return', async () => {
    const { store } = server.ctx;
    const who = contactId('c08-readonly');
    expect((await post(server.url, publishableKey, who, 'before')).status).toBe(200);
    const before = await store.ledger.entries(owner.workspaceId);
    db.pragma('query_only = ON');
    try {
      const refused = await topUp('readonly-1', 'while read-only');
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'storage_unavailable', message: expect.stringMatching(/read-only/) });
      const chat = await post(server.url, publishableKey, who, 'during');
      expect(chat.status).toBe(503);
      expect(chat.body).toMatchObject({ error: 'storage_unavailable', message: expect.stringMatching(/read-only/) });
      const balance = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/credits`, { token: owner.token });
      expect(balance.status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      db.pragma('query_only = OFF');
    }
    expect(await store.ledger.entries(owner.workspaceId)).toEqual(before);
    expect((await topUp('readonly-1', 'while read-only')).status).toBe(201);
    const after = await post(server.url, publishableKey, who, 'after');
    expect(after.status).toBe(200);
    expect(after.body.replies).toMatchObject([{ text: 'You said: after' }]);
    const session = await server.ctx.chat.open((await store.deployments.byPublishableKey(publishableKey))!, 'web', who);
    expect((await store.transcripts.list(owner.workspaceId, session.id)).map((e) => e.text)).toEqual(['before', 'You said: before', 'after', 'You said: after']);
    await checkInvariants(store, [owner.workspaceId], server.url);
  }, 30_000);

  it('writes refused in the middle of an LLM step: no usage entry, then the step re-runs on the same hold and settles once', async () => {
    const { store } = server.ctx;
    const llm = await deployFlow(server, owner.workspaceId, flowOf('storage-llm', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 20, stream: false } }]));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.reset();
    fake.script(async () => {
      await gate;
      return 'stored answer';
    });
    const who = contactId('c08-llm');
    try {
      const turn = post(server.url, llm.publishableKey, who, 'question');
      await until('the model call', async () => (fake.requests.length >= 1 ? true : undefined));
      expect((await store.ledger.audit(owner.workspaceId)).held).toBeGreaterThan(0);
      const usageBefore = (await store.ledger.entries(owner.workspaceId)).filter((e) => e.kind === 'usage').length;
      db.pragma('query_only = ON');
      release();
      const refused = await turn;
      db.pragma('query_only = OFF');
      expect(refused.status, JSON.stringify(refused.body)).toBe(503);
      expect(refused.body).toMatchObject({ error: 'storage_unavailable', message: expect.stringMatching(/read-only/) });
      // The settlement was refused as a whole: no usage entry, the hold is still open.
      expect((await store.ledger.entries(owner.workspaceId)).filter((e) => e.kind === 'usage')).toHaveLength(usageBefore);
      expect((await store.ledger.audit(owner.workspaceId)).held).toBeGreaterThan(0);

      // Storage is back: the next message first finishes the interrupted turn (same hold), then runs its own.
      const next = await post(server.url, llm.publishableKey, who, 'again');
      expect(next.status, JSON.stringify(next.body)).toBe(200);
      const session = await server.ctx.chat.open(llm, 'web', who);
      const holds = db.prepare<[string, string], { key: string; state: string }>("SELECT key, state FROM holds WHERE workspace_id = ? AND key LIKE ? ORDER BY created_at").all(owner.workspaceId, `${session.id}/%`);
      expect(holds.map((h) => h.state)).toEqual(['settled', 'settled']);
      expect((await store.ledger.entries(owner.workspaceId)).filter((e) => e.kind === 'usage')).toHaveLength(usageBefore + 2);
      // Every message answered once. (The interrupted turn finishes when the next message arrives, after
      // that message was stored, so its reply follows "again" in the transcript.)
      const transcript = await store.transcripts.list(owner.workspaceId, session.id);
      expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual(['question', 'again']);
      expect(transcript.filter((e) => e.role === 'bot').map((e) => e.text)).toEqual(['stored answer', 'stored answer']);
    } finally {
      db.pragma('query_only = OFF');
      release();
      fake.script(undefined);
    }
    await checkInvariants(store, [owner.workspaceId], server.url);
  }, 30_000);
});

/** The user a root test runs the server as, so that file permissions bind it; undefined when not root. */
function unprivilegedUser(): { uid: number; gid: number } | undefined | 'none' {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : 'none';
  } catch {
    return 'none';
  }
}

const runAs = unprivilegedUser();
if (runAs === 'none') console.warn('C-08 read-only data directory: skipped — the tests run as root, where chmod does not stop writes, and there is no "nobody" user to run the server as');

describe('C-08: storage unavailable at start-up (child processes)', () => {
  const children: ChildServer[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const child of children) await child.kill();
    for (const dir of dirs) {
      await chmod(dir, 0o755).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(runAs === 'none')('a read-only data directory: start-up refuses with a clear message (exit 1); with write access back it starts and serves', async () => {
    const as = runAs === 'none' ? undefined : runAs;
    const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-readonly-'));
    dirs.push(dataDir);
    const store = openSqliteStore({ file: path.join(dataDir, 'nexusflow.db') });
    const user = await store.users.create({ email: 'ro@example.com', name: 'RO', passwordHash: 'x' });
    const workspaceId = (await store.workspaces.create({ name: 'ro', ownerId: user.id })).id;
    await store.ledger.adjust(workspaceId, 'seed', 'bonus', 100);
    const compiled = compileFlowOrThrow(echoFlow, createRegistry({ plugins: [await loadCorePlugin()] }));
    const flow = await store.flows.create(workspaceId, { id: compiled.flow.id, name: compiled.flow.name, document: compiled.flow });
    const version = await store.versions.publish(workspaceId, flow.id, { document: compiled.flow, hash: compiled.hash, createdBy: user.id });
    const deployment = await store.deployments.create(workspaceId, { flowId: flow.id, key: flow.id, name: flow.id, versionId: version.id, publishableKey: `pk_ro_${Date.now()}`, by: user.id });
    await store.close();
    const files = await readdir(dataDir);
    const setMode = async (dir: number, file: number) => {
      for (const name of files) await chmod(path.join(dataDir, name), file);
      await chmod(dataDir, dir);
    };
    if (as !== undefined) {
      await chown(dataDir, as.uid, as.gid);
      for (const name of files) await chown(path.join(dataDir, name), as.uid, as.gid);
    }
    const env = { DATA_DIR: dataDir, JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789', LLM_OFFLINE: '1' };

    await setMode(0o555, 0o444);
    const refused = spawnServer(env, 30_000, as ?? {});
    await expect(refused).rejects.toThrow(/exited \(1\) before it was ready:[\s\S]*the database file is read-only; check its permissions, its directory and the disk/);

    await setMode(0o755, 0o644);
    const server = await spawnServer(env, 30_000, as ?? {});
    children.push(server);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const res = await post(server.url, deployment.publishableKey, contactId('c08-ro-after'), 'hello');
    expect(res.status).toBe(200);
    expect(res.body.replies).toMatchObject([{ text: 'You said: hello' }]);
    await server.kill('SIGTERM');
    const check = openSqliteStore({ file: path.join(dataDir, 'nexusflow.db') });
    await checkInvariants(check, [workspaceId], undefined);
    await check.close();
  }, 60_000);

  it('MongoDB unreachable (closed loopback port): start-up fails within the server selection timeout, exit 1, saying where and why', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-mongo-'));
    dirs.push(dataDir);
    // The store's server selection timeout is 5 s; the bound here only keeps a hang from stalling the suite.
    const start = spawnServer({ DATA_DIR: dataDir, MONGODB_URI: `mongodb://127.0.0.1:${closed}/nexusflow?directConnection=true` }, 30_000);
    await expect(start).rejects.toThrow(new RegExp(`exited \\(1\\) before it was ready:[\\s\\S]*cannot connect to MongoDB at mongodb://127\\.0\\.0\\.1:${closed}/nexusflow[\\s\\S]*ECONNREFUSED`));
  }, 60_000);
});
