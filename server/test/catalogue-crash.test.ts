/**
 * Reliability catalogue (RELIABILITY.md §9), crash and durability cases against real server
 * processes: C-03 (crash while parked), C-04 (corrupt persisted state), C-05 (a pinned version
 * that vanished, across a restart) and B-06 (crash between hold and settlement) share one data
 * directory and two server lives, because every child start costs seconds; the tests below run in
 * order and each asserts one case. C-05 (republish while parked) and C-09 (ordering) are in
 * catalogue-crash-live.test.ts, C-08 (storage failures) in catalogue-crash-storage.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileFlowOrThrow, createRegistry } from '@nexusflow/engine';
import { loadCorePlugin } from '@nexusflow/nodes';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVERSATION_RESTARTED } from '../src/chat/chat-service.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/index.js';
import { spawnServer, type ChildServer } from './child-server.js';
import { flowOf } from './harness.js';
import { checkInvariants, post, until } from './catalogue-helpers.js';

let fake: FakeLlmServer;
const children: ChildServer[] = [];
const dirs: string[] = [];
const sockets: Socket[] = [];
const stores: SqliteStore[] = [];

beforeAll(async () => {
  fake = await startFakeLlmServer();
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  for (const child of children.splice(0)) await child.kill();
  await fake?.close();
  for (const store of stores) await store.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function example(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(`../../examples/flows/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** A data directory with one workspace and credits, written through the store the test keeps open. */
async function prepareWorkspace(credits: number) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-catalogue-'));
  dirs.push(dataDir);
  const store = openSqliteStore({ file: path.join(dataDir, 'nexusflow.db') });
  stores.push(store);
  const user = await store.users.create({ email: 'catalogue@example.com', name: 'Catalogue', passwordHash: 'x' });
  const workspaceId = (await store.workspaces.create({ name: 'catalogue', ownerId: user.id })).id;
  await store.ledger.adjust(workspaceId, 'seed', 'bonus', credits);
  const registry = createRegistry({ plugins: [await loadCorePlugin()] });
  /** Publishes `document` as the next version of its flow; answers the version. */
  async function publish(document: Record<string, unknown>) {
    const compiled = compileFlowOrThrow(document, registry);
    const flow = (await store.flows.get(workspaceId, compiled.flow.id)) ?? (await store.flows.create(workspaceId, { id: compiled.flow.id, name: compiled.flow.name, document: compiled.flow }));
    return store.versions.publish(workspaceId, flow.id, { document: compiled.flow, hash: compiled.hash, createdBy: user.id });
  }
  async function deploy(document: Record<string, unknown>) {
    const version = await publish(document);
    return store.deployments.create(workspaceId, { flowId: version.flowId, key: version.flowId, name: version.flowId, versionId: version.id, publishableKey: `pk_${version.flowId}_${Math.random().toString(36).slice(2, 12)}`, by: user.id });
  }
  return { dataDir, store, workspaceId, publish, deploy };
}

/** The session id of a web contact, straight from SQLite (the row may hold a record that no longer parses). */
function sessionIdOf(store: SqliteStore, deploymentId: string, externalId: string): string {
  const row = store.database
    .prepare<[string, string], { id: string }>("SELECT s.id FROM sessions s JOIN contacts c ON c.id = s.contact_id WHERE s.deployment_id = ? AND c.external_id = ? AND c.channel = 'web'")
    .get(deploymentId, externalId);
  if (row === undefined) throw new Error(`no session for ${externalId}`);
  return row.id;
}

const texts = (body: { replies?: { role: string; text: string }[] }) => (body.replies ?? []).map((r) => `${r.role}:${r.text}`);

describe('crash with parked, corrupt and held sessions; restart (C-03, C-04, C-05, B-06)', () => {
  const GREETING = "bot:Hi! What's your name?";
  const contacts = {
    parkedAtName: 'c03-parked-at-name-0001',
    parkedAtEmail: 'c03-parked-at-email-001',
    truncated: 'c04-truncated-record-01',
    futureVersion: 'c04-future-version-0001',
    vanished: 'c05-vanished-version-01',
    billing: 'b06-billing-contact-0001',
  };
  let prepared: Awaited<ReturnType<typeof prepareWorkspace>>;
  let leads: { id: string; publishableKey: string };
  let vanishing: { id: string; publishableKey: string };
  let billing: { id: string; publishableKey: string };
  let env: Record<string, string>;
  let second: ChildServer;

  it('life 1: conversations park at waits, then the server dies by SIGKILL right after a credit hold (kill hook)', async () => {
    prepared = await prepareWorkspace(10_000);
    leads = await prepared.deploy(await example('lead-capture'));
    vanishing = await prepared.deploy(
      flowOf('vanishing', [
        { id: 'ask', type: 'core/reply', config: { text: 'v1: what is your name?' } },
        { id: 'wait', type: 'core/wait' },
        { id: 'greet', type: 'core/reply', config: { text: 'v1: nice to meet you, {{ message.text }}' } },
      ]),
    );
    billing = await prepared.deploy(flowOf('billing-crash', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 50, stream: false } }]));
    fake.reset();
    fake.script(() => 'forty-two');
    env = { DATA_DIR: prepared.dataDir, OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.openaiBaseURL };
    const first = await spawnServer({ ...env, NEXUSFLOW_KILL_AT: 'after-hold' });
    children.push(first);
    const say = async (key: string, contactId: string, text: string) => {
      const res = await post(first.url, key, contactId, text);
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(texts(await say(leads.publishableKey, contacts.parkedAtName, 'hello'))).toEqual([GREETING]);
    expect(texts(await say(leads.publishableKey, contacts.parkedAtEmail, 'hello'))).toEqual([GREETING]);
    expect(await say(leads.publishableKey, contacts.parkedAtEmail, ' Eve ')).toMatchObject({ status: 'parked', replies: [{ text: "Thanks, Eve! What's your email address?" }] });
    expect(texts(await say(leads.publishableKey, contacts.truncated, 'hello'))).toEqual([GREETING]);
    expect(texts(await say(leads.publishableKey, contacts.futureVersion, 'hello'))).toEqual([GREETING]);
    expect(await say(vanishing.publishableKey, contacts.vanished, 'hello')).toMatchObject({ status: 'parked', replies: [{ text: 'v1: what is your name?' }] });

    // The LLM step holds credits, and the kill hook ends the process before the model is called.
    const dying = post(first.url, billing.publishableKey, contacts.billing, 'what is six times seven?');
    expect(await first.exited).toBe('SIGKILL');
    expect((await dying).status).toBe(0);
    expect(fake.requests).toHaveLength(0);
    const { store, workspaceId } = prepared;
    expect(await store.ledger.audit(workspaceId)).toMatchObject({ ok: true, held: expect.any(Number) });
    expect((await store.ledger.audit(workspaceId)).held).toBeGreaterThan(0);
  }, 60_000);

  it('while the server is down: one record is truncated, one has an unknown version, a pinned version vanishes', async () => {
    const { store, workspaceId } = prepared;
    const db = store.database;
    const truncated = sessionIdOf(store, leads.id, contacts.truncated);
    const future = sessionIdOf(store, leads.id, contacts.futureVersion);
    // Half a JSON document, and marked running so that start-up tries to resume it.
    db.prepare("UPDATE sessions SET record = substr(record, 1, length(record) / 2), status = 'running' WHERE id = ?").run(truncated);
    const record = JSON.parse(db.prepare<[string], { record: string }>('SELECT record FROM sessions WHERE id = ?').get(future)!.record) as Record<string, unknown>;
    db.prepare('UPDATE sessions SET record = ? WHERE id = ?').run(JSON.stringify({ ...record, v: 99, machine: { future: true } }), future);
    expect(() => JSON.parse(db.prepare<[string], { record: string }>('SELECT record FROM sessions WHERE id = ?').get(truncated)!.record)).toThrow(SyntaxError);

    // v2 of "vanishing" has no wait node; the deployment moves to it and v1 is deleted outright.
    const v1 = (await store.deployments.get(workspaceId, vanishing.id))!.versionId;
    const v2 = await prepared.publish(flowOf('vanishing', [{ id: 'hello', type: 'core/reply', config: { text: 'v2: hello {{ message.text }}' } }]));
    await store.deployments.setVersion(workspaceId, vanishing.id, v2.id, 'test');
    expect(db.prepare('DELETE FROM flow_versions WHERE id = ?').run(v1).changes).toBe(1);
    expect(await store.versions.get(workspaceId, v1)).toBeUndefined();
  });

  it('life 2 starts despite the damaged rows (no crash loop) and B-06: the re-run LLM step reuses the hold', async () => {
    second = await spawnServer(env);
    children.push(second);
    const { store, workspaceId } = prepared;
    const session = sessionIdOf(store, billing.id, contacts.billing);
    const transcript = await until('the resumed LLM reply', async () => {
      const entries = await store.transcripts.list(workspaceId, session);
      return entries.some((e) => e.role === 'bot') ? entries : undefined;
    });
    expect(transcript.map((e) => `${e.role}:${e.text}`)).toEqual(['user:what is six times seven?', 'bot:forty-two']);
    // The model was called once in all: life 1 died before calling it.
    expect(fake.requests).toHaveLength(1);
    const holds = store.database.prepare<[string], { key: string; state: string; charged: number }>('SELECT key, state, charged FROM holds WHERE workspace_id = ?').all(workspaceId);
    expect(holds).toHaveLength(1);
    expect(holds[0]).toMatchObject({ state: 'settled' });
    const entries = await store.ledger.entries(workspaceId);
    const usage = entries.filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(1);
    expect(-usage[0]!.amount).toBe(holds[0]!.charged);
    const audit = await store.ledger.audit(workspaceId);
    expect(audit).toEqual({ ok: true, held: 0, balance: 10_000 - holds[0]!.charged, sum: 10_000 - holds[0]!.charged });
    expect(second.process.exitCode).toBeNull();
  }, 60_000);

  it('C-03: conversations parked before the crash continue from their wait, with their variables', async () => {
    const { store, workspaceId } = prepared;
    const atName = await post(second.url, leads.publishableKey, contacts.parkedAtName, 'Ada');
    expect(atName.status).toBe(200);
    expect(atName.body).toMatchObject({ status: 'parked', replies: [{ role: 'bot', text: "Thanks, Ada! What's your email address?" }] });
    const atEmail = await post(second.url, leads.publishableKey, contacts.parkedAtEmail, 'Eve@Example.com');
    expect(atEmail.status).toBe(200);
    expect(atEmail.body).toMatchObject({ status: 'ended', replies: [{ role: 'bot', text: "Got it, Eve. We'll write to eve@example.com soon." }] });

    const eve = sessionIdOf(store, leads.id, contacts.parkedAtEmail);
    expect((await store.transcripts.list(workspaceId, eve)).map((e) => `${e.role}:${e.text}`)).toEqual([
      'user:hello',
      GREETING,
      'user: Eve ',
      "bot:Thanks, Eve! What's your email address?",
      'user:Eve@Example.com',
      "bot:Got it, Eve. We'll write to eve@example.com soon.",
    ]);
    expect((await store.sessions.byId(eve))?.record).toMatchObject({ status: 'idle', context: { vars: { name: 'Eve', email: 'eve@example.com' } } });
    const ada = sessionIdOf(store, leads.id, contacts.parkedAtName);
    expect((await store.transcripts.list(workspaceId, ada)).filter((e) => `${e.role}:${e.text}` === GREETING)).toHaveLength(1);
    expect((await store.sessions.byId(ada))?.record).toMatchObject({ status: 'parked', state: 'waitEmail', context: { vars: { name: 'Ada', email: null } } });
  }, 30_000);

  /** The damaged conversation answers session_unrecoverable; the widget's reset (Socket.IO `reset`) starts it again. */
  async function unrecoverableThenReset(contact: string): Promise<void> {
    const res = await post(second.url, leads.publishableKey, contact, 'my name is Bob');
    expect(res.status, `${contact}: ${JSON.stringify(res.body)}`).toBe(409);
    expect(res.body).toMatchObject({ error: 'session_unrecoverable', message: expect.stringMatching(/cannot be resumed.*reset it/) });
    expect(second.process.exitCode).toBeNull();

    const socket = connect(`${second.url}/chat`, { auth: { publishableKey: leads.publishableKey, contactId: contact }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    const ready = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready event')), 10_000);
      socket.once('ready', (value: unknown) => (clearTimeout(timer), resolve(value)));
      socket.once('chat_error', (value: unknown) => (clearTimeout(timer), reject(new Error(`chat_error ${JSON.stringify(value)}`))));
    });
    // The history stays readable: only the engine's record was damaged.
    expect((ready as { history: { text: string }[] }).history.map((h) => h.text)).toEqual(['hello', "Hi! What's your name?", 'my name is Bob']);
    const refused = await socket.timeout(10_000).emitWithAck('message', { text: 'still there?' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'session_unrecoverable', status: 409 } });
    expect(await socket.timeout(10_000).emitWithAck('reset', {})).toEqual({ ok: true });
    const again = await socket.timeout(10_000).emitWithAck('message', { text: 'hello again' });
    // A new conversation whose greeting is really sent (its idempotency keys do not repeat the old ones).
    expect(again, contact).toMatchObject({ ok: true, status: 'parked', replies: [{ role: 'bot', text: "Hi! What's your name?" }] });
    socket.disconnect();
    const followUp = await post(second.url, leads.publishableKey, contact, 'Bob');
    expect(followUp.body).toMatchObject({ status: 'parked', replies: [{ text: "Thanks, Bob! What's your email address?" }] });
  }

  it('C-04: a record of an unknown version answers session_unrecoverable (409) to HTTP and socket; others keep working; a reset makes it usable', async () => {
    await unrecoverableThenReset(contacts.futureVersion);
    const healthy = await post(second.url, leads.publishableKey, 'c04-fresh-contact-00001', 'hello');
    expect(texts(healthy.body)).toEqual([GREETING]);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
  }, 30_000);

  it('C-04: a truncated record (broken JSON in its row) answers session_unrecoverable (409); a reset makes it usable', async () => {
    await unrecoverableThenReset(contacts.truncated);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
  }, 30_000);

  it('C-05: a conversation whose pinned version vanished gets a notice and starts at the trigger of the live version', async () => {
    const { store, workspaceId } = prepared;
    const res = await post(second.url, vanishing.publishableKey, contacts.vanished, 'Rita');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('ended');
    expect(texts(res.body)).toEqual([`system:${CONVERSATION_RESTARTED}`, 'bot:v2: hello Rita']);
    const session = sessionIdOf(store, vanishing.id, contacts.vanished);
    const live = (await store.deployments.get(workspaceId, vanishing.id))!.versionId;
    expect((await store.sessions.byId(session))?.versionId).toBe(live);
    const trace = await until('the notice in the trace', async () => {
      const events = await store.traces.list(workspaceId, session);
      return events.some((e) => e.event.type === 'session.notice') ? events : undefined;
    });
    expect(trace.find((e) => e.event.type === 'session.notice')?.event).toMatchObject({ message: expect.stringContaining('without node "wait"') });
  }, 30_000);

  it('§8 invariants after the restarts: ledger audit, no negative balance, every session loads, healthz', async () => {
    await checkInvariants(prepared.store, [prepared.workspaceId], second.url);
    expect(second.process.exitCode).toBeNull();
    expect(await second.kill('SIGTERM')).toBe(0);
  });
});
