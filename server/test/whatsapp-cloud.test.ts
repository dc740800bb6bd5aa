/**
 * The WhatsApp Business Cloud API channel end to end on a real server (RELIABILITY §9, W-01 to
 * W-07): Meta's side is played by signed webhook POSTs on loopback and by a local Graph API
 * (fake-graph-api.ts) that receives the replies. W-07 kills a real server process mid-turn.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileFlowOrThrow, createRegistry } from '@nexusflow/engine';
import { loadCorePlugin } from '@nexusflow/nodes';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWhatsAppCloudAdapter, signWebhook } from '../src/channels/whatsapp-cloud/index.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/index.js';
import type { ChannelMessage } from '../src/store/types.js';
import { until } from './catalogue-helpers.js';
import { spawnServer, type ChildServer } from './child-server.js';
import { startFakeGraphApi, type FakeGraphApi } from './fake-graph-api.js';
import { deployFlow, flowOf, startTestServer, type TestServer } from './harness.js';

const PHONE = '106540352242922';
const SECRET = 'meta-app-secret-for-tests';
const TOKEN = 'EAAG-access-token-for-tests-0123456789';
const VERIFY = 'verify-token-for-tests';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let counter = 0;
/** A fresh WhatsApp id (digits) per test. */
const waId = () => `1555${Date.now() % 1_000_000}${(counter += 1)}`;
let wamidCounter = 0;
const wamid = () => `wamid.HBgL${Date.now().toString(36)}${(wamidCounter += 1)}AA==`;

/** A webhook body as Meta sends it: one text message from `from`, stamped `at` (epoch ms). */
function textWebhook(from: string, id: string, text: string, at: number, name = 'Sheena Nelson'): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id, timestamp: String(Math.floor(at / 1000)), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
}

function statusWebhook(providerId: string, status: string, at: number, recipient: string): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE }, statuses: [{ id: providerId, status, timestamp: String(Math.floor(at / 1000)), recipient_id: recipient }] } }] }],
  });
}

/** POSTs a webhook body, signed with the app secret unless `signature` says otherwise (`null`: no header). */
async function postWebhook(baseUrl: string, connectionId: string, raw: string | Buffer, signature: string | null = signWebhook(SECRET, raw)) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const response = await fetch(`${baseUrl}/api/v1/webhooks/whatsapp-cloud/${connectionId}`, { method: 'POST', headers, body: raw });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
}

describe('WhatsApp Cloud API channel on a running server', () => {
  let server: TestServer;
  let graph: FakeGraphApi;
  let clock = Date.now();
  let token: string;
  let workspaceId: string;
  let connectionId: string;

  /** Every inbox entry of the connection, any status. */
  async function inbox(): Promise<ChannelMessage[]> {
    const all = await Promise.all(['received', 'processing', 'done', 'ignored', 'failed'].map((status) => server.ctx.store.channelMessages.listByStatus(connectionId, 'in', status, 10_000)));
    return all.flat();
  }
  const sentTo = (to: string) => graph.sent().filter((r) => r.body.to === to);
  /** Waits until the connection's adapter has processed everything it accepted (replies included). */
  async function settled(): Promise<void> {
    const adapter = server.ctx.channels.adapter(connectionId);
    expect(isWhatsAppCloudAdapter(adapter)).toBe(true);
    if (isWhatsAppCloudAdapter(adapter)) await adapter.idle();
  }

  beforeAll(async () => {
    graph = await startFakeGraphApi({ accessToken: TOKEN, phoneNumberId: PHONE });
    server = await startTestServer({}, { now: () => clock });
    const owner = await server.signUp('Cloud');
    token = owner.token;
    workspaceId = owner.workspaceId;
    const echo = JSON.parse(await readFile(new URL('../../examples/flows/echo.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const deployment = await deployFlow(server, workspaceId, echo);
    const created = await server.request('POST', `/api/v1/workspaces/${workspaceId}/channels`, {
      token,
      body: { deploymentId: deployment.id, kind: 'whatsapp-cloud', name: 'Support line', config: { phoneNumberId: PHONE, verifyToken: VERIFY, appSecret: SECRET, accessToken: TOKEN, graphBaseUrl: graph.url } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    connectionId = created.body.id;
    expect(created.body.status.state).toBe('ready');
    expect(created.body.config).toMatchObject({ appSecret: '********', accessToken: '********', verifyToken: '********', phoneNumberId: PHONE });
    expect(created.body.webhookUrl).toMatch(new RegExp(`/api/v1/webhooks/whatsapp-cloud/${connectionId}$`));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await graph?.close();
  });

  it('answers the verification handshake only with the right token, and only a plain challenge, as text/plain (W-06)', async () => {
    const verify = (query: string) => fetch(`${server.url}/api/v1/webhooks/whatsapp-cloud/${connectionId}?${query}`);
    const wrong = await verify(`hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444`);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain('1158201444');
    const right = await verify(`hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`);
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await right.text()).toBe('1158201444');
    const markup = await verify(`hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(markup.status).toBe(400);
    expect(await markup.text()).not.toContain('<script>');
    const unknown = await fetch(`${server.url}/api/v1/webhooks/whatsapp-cloud/no-such-connection?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1`);
    expect(unknown.status).toBe(404);
    // The verify token is a shared secret: request logs must not carry it.
    expect(server.logs.filter((line) => line.includes(VERIFY))).toEqual([]);
  });

  it('turns a signed message into a turn whose reply goes out through the Graph API', async () => {
    const from = waId();
    const answer = await postWebhook(server.url, connectionId, textWebhook(from, wamid(), 'hello there', clock));
    expect(answer).toEqual({ status: 200, body: { received: true, accepted: 1, duplicates: 0, replays: 0, statuses: 0 } });
    const [reply] = await until('the reply at the Graph API', async () => (sentTo(from).length > 0 ? sentTo(from) : undefined));
    expect(reply).toMatchObject({ authorization: `Bearer ${TOKEN}`, phoneNumberId: PHONE, body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: from, type: 'text', text: { body: 'You said: hello there' } } });
    const contact = await server.ctx.store.contacts.byExternalId(workspaceId, 'whatsapp-cloud', from);
    expect(contact).toMatchObject({ externalId: from, name: 'Sheena Nelson' });
  });

  it('refuses every bad signature with 401, logs why, and leaves the inbox unchanged (W-01)', async () => {
    const from = waId();
    const body = textWebhook(from, wamid(), 'forged', clock);
    const before = (await inbox()).length;
    const variants: [string, string | null][] = [
      ['missing', null],
      ['sha1', `sha1=${'ab'.repeat(20)}`],
      ['wrong secret', signWebhook('another-app-secret', body)],
      ['re-serialised JSON', signWebhook(SECRET, JSON.stringify(JSON.parse(body), null, 2))],
      ['another body', signWebhook(SECRET, textWebhook(from, wamid(), 'other', clock))],
    ];
    for (const [name, signature] of variants) {
      const answer = await postWebhook(server.url, connectionId, body, signature);
      expect(answer.status, name).toBe(401);
      expect(answer.body?.error, name).toBe('invalid_signature');
    }
    expect((await inbox()).length).toBe(before);
    const refusals = server.logs.filter((line) => line.includes('whatsapp-cloud webhook refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(variants.length);
    for (const reason of ['missing X-Hub-Signature-256 header', 'sha1 signature', 'signature mismatch']) expect(refusals.some((line) => line.includes(reason)), reason).toBe(true);
    expect(server.logs.join('')).not.toContain(SECRET);
    await settled();
    expect(sentTo(from)).toEqual([]);
  });

  it('verifies over the raw bytes: emoji and \\u escapes are accepted and read as written (W-02)', async () => {
    const from = waId();
    const raw = Buffer.from(textWebhook(from, wamid(), 'PLACEHOLDER', clock).replace('PLACEHOLDER', 'caf\\u00e9 \\ud83d\\ude00 and 👋'), 'utf8');
    const answer = await postWebhook(server.url, connectionId, raw);
    expect(answer.status).toBe(200);
    const [reply] = await until('the reply', async () => (sentTo(from).length > 0 ? sentTo(from) : undefined));
    expect(reply!.body.text).toEqual({ body: 'You said: café 😀 and 👋' });
  });

  it('processes a wamid delivered 3 times at once and once more 10 minutes later exactly once, answering 200 to all (W-03)', async () => {
    const from = waId();
    const id = wamid();
    const body = textWebhook(from, id, 'only once', clock);
    const answers = await Promise.all([1, 2, 3].map(() => postWebhook(server.url, connectionId, body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.body!.accepted).sort()).toEqual([0, 0, 1]);
    await until('the reply', async () => (sentTo(from).length > 0 ? true : undefined));
    clock += 10 * MINUTE;
    const later = await postWebhook(server.url, connectionId, body);
    expect(later).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 1 } });
    await settled();
    expect(sentTo(from).map((r) => r.body.text)).toEqual([{ body: 'You said: only once' }]);
    expect((await inbox()).filter((m) => m.key === id).map((m) => m.status)).toEqual(['done']);
  });

  it('ignores a correctly signed message older than the retention with 200, logged as a replay (W-04)', async () => {
    const from = waId();
    const id = wamid();
    const answer = await postWebhook(server.url, connectionId, textWebhook(from, id, 'captured last week', clock - 8 * DAY));
    expect(answer).toEqual({ status: 200, body: { received: true, accepted: 0, duplicates: 0, replays: 1, statuses: 0 } });
    await settled();
    expect(sentTo(from)).toEqual([]);
    expect((await inbox()).some((m) => m.key === id)).toBe(false);
    expect(server.logs.some((line) => line.includes('replay') && line.includes(id))).toBe(true);
  });

  it('moves the stored status of a sent message only forward when read, delivered and sent arrive in that order (W-05)', async () => {
    const from = waId();
    await postWebhook(server.url, connectionId, textWebhook(from, wamid(), 'status please', clock));
    const [reply] = await until('the reply', async () => (sentTo(from).length > 0 ? sentTo(from) : undefined));
    const providerId = reply!.wamid!;
    const sent = () => until('the sent record', async () => (server.ctx.store.channelMessages.byProviderId(connectionId, providerId)));
    expect((await sent()).status).toBe('sent');
    for (const status of ['read', 'delivered', 'sent']) {
      expect((await postWebhook(server.url, connectionId, statusWebhook(providerId, status, clock, from))).status).toBe(200);
    }
    expect((await sent()).status).toBe('read');
  });

  it('changes settings without showing or losing the secrets, and refuses incomplete ones with their pointer', async () => {
    const path = `/api/v1/workspaces/${workspaceId}/channels/${connectionId}`;
    const masked = await server.request('PATCH', path, { token, body: { name: 'Support line 2', config: { accessToken: '********', graphBaseUrl: graph.url } } });
    expect(masked.status, JSON.stringify(masked.body)).toBe(200);
    expect(masked.body).toMatchObject({ name: 'Support line 2', config: { accessToken: '********', appSecret: '********' } });
    expect((await server.ctx.store.channels.get(workspaceId, connectionId))?.config).toMatchObject({ accessToken: TOKEN, appSecret: SECRET, verifyToken: VERIFY });
    const bad = await server.request('PATCH', path, { token, body: { config: { phoneNumberId: 'not digits', appSecret: null } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { pointer: string }) => d.pointer)).toEqual(expect.arrayContaining(['/config/phoneNumberId', '/config']));
    expect((await server.ctx.store.channels.get(workspaceId, connectionId))?.config).toMatchObject({ phoneNumberId: PHONE, appSecret: SECRET });
    await settled();
    expect(server.ctx.channels.adapter(connectionId)?.status().state).toBe('ready');
  });

  it("sends an operator's answer inside the contact's 24-hour window, and refuses it with 422 outside, sending nothing", async () => {
    const from = waId();
    await postWebhook(server.url, connectionId, textWebhook(from, wamid(), 'a person please', clock));
    await settled();
    const contact = await server.ctx.store.contacts.byExternalId(workspaceId, 'whatsapp-cloud', from);
    const session = (await server.ctx.store.sessions.list(workspaceId, { contactId: contact!.id })).items[0]!;
    const sessionPath = `/api/v1/workspaces/${workspaceId}/sessions/${session.id}`;
    expect((await server.request('POST', `${sessionPath}/handoff`, { token })).status).toBe(200);
    const inside = await server.request('POST', `${sessionPath}/messages`, { token, body: { text: 'Hi, Sam here. How can I help?' } });
    expect(inside.status, JSON.stringify(inside.body)).toBe(201);
    expect(sentTo(from).at(-1)!.body.text).toEqual({ body: 'Hi, Sam here. How can I help?' });
    const before = sentTo(from).length;

    clock += 25 * 60 * MINUTE;
    const outside = await server.request('POST', `${sessionPath}/messages`, { token, body: { text: 'Still there?' } });
    expect(outside.status).toBe(422);
    expect(outside.body).toMatchObject({ error: 'channel_window_closed', message: expect.stringContaining("within 24 hours of the contact's last message") });
    expect(sentTo(from)).toHaveLength(before);
    await expect(server.ctx.store.channelMessages.countOutbound(connectionId, 0, from)).resolves.toBe(before);
  });
});

describe('a server killed right after acknowledging a webhook (W-07)', () => {
  let fake: FakeLlmServer;
  let graph: FakeGraphApi;
  let store: SqliteStore;
  let dataDir: string;
  const children: ChildServer[] = [];

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    graph = await startFakeGraphApi({ accessToken: TOKEN, phoneNumberId: PHONE });
    dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-wa-cloud-'));
    store = openSqliteStore({ file: path.join(dataDir, 'nexusflow.db') });
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await fake?.close();
    await graph?.close();
    await store?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 200 before the turn runs; after SIGKILL and a restart the message is processed once', async () => {
    const user = await store.users.create({ email: 'w07@example.com', name: 'W07', passwordHash: 'x' });
    const workspaceId = (await store.workspaces.create({ name: 'w07', ownerId: user.id })).id;
    await store.ledger.adjust(workspaceId, 'seed', 'bonus', 100_000);
    const registry = createRegistry({ plugins: [await loadCorePlugin()] });
    const compiled = compileFlowOrThrow(flowOf('wa-llm', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 20, stream: false } }]), registry);
    const flow = await store.flows.create(workspaceId, { id: compiled.flow.id, name: compiled.flow.name, document: compiled.flow });
    const version = await store.versions.publish(workspaceId, flow.id, { document: compiled.flow, hash: compiled.hash, createdBy: user.id });
    const deployment = await store.deployments.create(workspaceId, { flowId: flow.id, key: 'wa-llm', name: 'wa-llm', versionId: version.id, publishableKey: 'pk_wa_llm_w07', by: user.id });
    const connection = await store.channels.create(workspaceId, {
      deploymentId: deployment.id,
      kind: 'whatsapp-cloud',
      name: 'W-07',
      config: { phoneNumberId: PHONE, verifyToken: VERIFY, appSecret: SECRET, accessToken: TOKEN, graphBaseUrl: graph.url },
      status: 'ready',
    });
    const env = { DATA_DIR: dataDir, OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.openaiBaseURL };

    // First life: the model takes 20 s.
    fake.script({ text: 'the slow answer', delayFirstTokenMs: 20_000 });
    const first = await spawnServer(env);
    children.push(first);
    const from = waId();
    const id = wamid();
    const answer = await postWebhook(first.url, connection.id, textWebhook(from, id, 'are you open today?', Date.now()));
    expect(answer).toMatchObject({ status: 200, body: { accepted: 1 } });
    // On disk when the 200 came, with the turn not finished (the model takes 20 s).
    expect(['received', 'processing']).toContain((await store.channelMessages.get(connection.id, 'in', id))?.status);
    await until('the model call of the first life', async () => (fake.requests.length >= 1 ? true : undefined));
    expect((await store.channelMessages.get(connection.id, 'in', id))?.status).toBe('processing');
    await first.kill('SIGKILL');
    expect(graph.sent()).toEqual([]);

    // Second life: the model answers at once; the inbox entry left `processing` is finished.
    fake.reset();
    fake.script(() => 'the fast answer');
    const second = await spawnServer(env);
    children.push(second);
    const done = await until('the inbox entry processed', async () => {
      const entry = await store.channelMessages.get(connection.id, 'in', id);
      return entry?.status === 'done' || entry?.status === 'failed' ? entry : undefined;
    }, 60_000);
    expect(done.status).toBe('done');
    await until('the reply at the Graph API', async () => (graph.sent().length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(graph.sent().map((r) => ({ to: r.body.to, text: r.body.text }))).toEqual([{ to: from, text: { body: 'the fast answer' } }]);
    const session = (await store.sessions.list(workspaceId, { limit: 10 })).items.find((s) => s.deploymentId === deployment.id);
    const transcript = await store.transcripts.list(workspaceId, session!.id, { limit: 50 });
    expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual(['are you open today?']);
    expect(transcript.filter((e) => e.role === 'bot').map((e) => e.text)).toEqual(['the fast answer']);
  }, 180_000);
});
