import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { NexusError } from '@nexusflow/engine';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGraphApi, type FakeGraphApi } from '../../../test/fake-graph-api.js';
import type { InboundMessage } from '../../chat/chat-service.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import type { ChannelConnection } from '../../store/types.js';
import type { ChannelDelivery, ChannelInbound, ChannelStatus } from '../types.js';
import { createWhatsAppCloudAdapter, type WhatsAppCloudAdapter } from './adapter.js';
import { signWebhook } from './signature.js';
import { acceptWebhook } from './webhook.js';

const PHONE = '106540352242922';
const SECRET = 'app-secret-for-tests';
const TOKEN = 'EAAG-access-token-for-tests';
const CONTACT = '16505551234';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let dir: string;
let store: SqliteStore;
let graph: FakeGraphApi;
const START = 1_750_000_000_000;
let clock = START;
const now = () => clock;
let workspaceId: string;
let logs: string[];
const adapters: WhatsAppCloudAdapter[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nexusflow-wa-cloud-'));
  store = openSqliteStore({ file: path.join(dir, 'nexusflow.db'), now });
  graph = await startFakeGraphApi({ accessToken: TOKEN, phoneNumberId: PHONE });
});
afterAll(async () => {
  await graph?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  clock = START;
  logs = [];
  const user = await store.users.create({ email: `wa-${Math.random().toString(36).slice(2)}@example.com`, name: 'WA', passwordHash: 'x' });
  workspaceId = (await store.workspaces.create({ name: 'wa', ownerId: user.id })).id;
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.stop();
});

interface Received {
  contact: { externalId: string; name?: string };
  message: InboundMessage;
}

/** The hub's side, recorded: every inbound message and status; `turn` decides how a turn ends. */
function recordingInbound(turn: (received: Received) => Promise<void> = async () => undefined) {
  const received: Received[] = [];
  const statuses: ChannelStatus[] = [];
  const inbound: ChannelInbound = {
    async receive(_connection, contact, message) {
      const entry = { contact, message };
      received.push(entry);
      await turn(entry);
    },
    statusChanged: (_connection, status) => void statuses.push(status),
  };
  return { inbound, received, statuses };
}

async function connection(config: Record<string, unknown> = {}): Promise<ChannelConnection> {
  return store.channels.create(workspaceId, {
    deploymentId: 'dep-1',
    kind: 'whatsapp-cloud',
    name: 'Support line',
    config: { phoneNumberId: PHONE, verifyToken: 'verify-token-1', appSecret: SECRET, accessToken: TOKEN, graphBaseUrl: graph.url, ...config },
    status: 'starting',
  });
}

async function adapterFor(conn: ChannelConnection, inbound: ChannelInbound, options: { retentionMs?: number } = {}) {
  const sink = new Writable({ write: (chunk, _enc, done) => void (logs.push(String(chunk)), done()) });
  const adapter = createWhatsAppCloudAdapter({ connection: conn, inbound, messages: store.channelMessages, logger: pino({ level: 'debug' }, sink), now, ...options });
  adapters.push(adapter);
  return adapter;
}

/** A webhook body with text messages from `CONTACT` (timestamps in seconds, from the test clock). */
function messagesBody(messages: { id: string; text?: string; at?: number; type?: string; extra?: Record<string, unknown> }[]) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE },
              contacts: [{ profile: { name: 'Sheena' }, wa_id: CONTACT }],
              messages: messages.map((m) => ({
                from: CONTACT,
                id: m.id,
                timestamp: String(Math.floor((m.at ?? clock) / 1000)),
                type: m.type ?? 'text',
                ...(m.extra ?? { text: { body: m.text ?? 'hi' } }),
              })),
            },
          },
        ],
      },
    ],
  });
}

function statusBody(statuses: { id: string; status: string; errors?: unknown[] }[]) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: PHONE }, statuses: statuses.map((s) => ({ ...s, timestamp: String(Math.floor(clock / 1000)), recipient_id: CONTACT })) } }] }],
  });
}

const signed = (body: string) => [Buffer.from(body, 'utf8'), signWebhook(SECRET, body)] as const;
const inboxOf = (conn: ChannelConnection) => store.channelMessages.listByStatus(conn.id, 'in', 'done');

function delivery(key: string, message: ChannelDelivery['message'], to = CONTACT): ChannelDelivery {
  return { workspaceId, sessionId: 'session-1', contactExternalId: to, key, message, from: 'flow' };
}

describe('WhatsApp Cloud API adapter: status', () => {
  it('is ready with complete settings, and failed naming the missing one otherwise', async () => {
    const good = recordingInbound();
    const ready = await adapterFor(await connection(), good.inbound);
    expect(ready.status().state).toBe('stopped');
    await ready.start();
    expect(ready.status()).toMatchObject({ state: 'ready', since: clock });
    expect(good.statuses.map((s) => s.state)).toEqual(['ready']);

    const bad = recordingInbound();
    const failed = await adapterFor(await connection({ accessToken: '' }), bad.inbound);
    await failed.start();
    expect(failed.status().state).toBe('failed');
    expect(failed.status().detail).toContain('accessToken is missing');
    expect(bad.statuses).toEqual([failed.status()]);
    await expect(failed.send(delivery('k-fail', { text: 'hi' }))).rejects.toMatchObject({ code: 'channel_unavailable' });
  });
});

describe('WhatsApp Cloud API adapter: inbound', () => {
  it('writes the message to the inbox before answering, then processes it once (W-07)', async () => {
    const conn = await connection();
    const hub = recordingInbound();
    const adapter = await adapterFor(conn, hub.inbound);
    await adapter.start();
    const outcome = await adapter.accept(...signed(messagesBody([{ id: 'wamid.FIRST', text: 'héllo 👋' }])));
    expect(outcome).toMatchObject({ ok: true, duplicates: 0, replays: 0 });
    // Answered with the entry on disk and the turn not yet begun.
    expect(hub.received).toEqual([]);
    expect(await store.channelMessages.get(conn.id, 'in', 'wamid.FIRST')).toMatchObject({ status: 'received', contactExternalId: CONTACT, providerAt: Math.floor(clock / 1000) * 1000 });
    await adapter.idle();
    expect(hub.received).toHaveLength(1);
    expect(hub.received[0]!.contact).toEqual({ externalId: CONTACT, name: 'Sheena' });
    expect(hub.received[0]!.message.text).toBe('héllo 👋');
    expect(hub.received[0]!.message.clientMessageId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect((await store.channelMessages.get(conn.id, 'in', 'wamid.FIRST'))?.status).toBe('done');
  });

  it('processes a wamid delivered 3 times at once and again 10 minutes later once; every delivery is answered (W-03)', async () => {
    const conn = await connection();
    const hub = recordingInbound();
    const adapter = await adapterFor(conn, hub.inbound);
    await adapter.start();
    const body = signed(messagesBody([{ id: 'wamid.DUP', text: 'once please' }]));
    const outcomes = await Promise.all([1, 2, 3].map(() => adapter.accept(...body)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes.map((o) => (o.ok ? o.accepted.length : -1)).sort()).toEqual([0, 0, 1]);
    expect(outcomes.map((o) => (o.ok ? o.duplicates : -1)).sort()).toEqual([0, 1, 1]);
    await adapter.idle();
    clock += 10 * MINUTE;
    const later = await adapter.accept(...body);
    expect(later).toMatchObject({ ok: true, accepted: [], duplicates: 1 });
    await adapter.idle();
    expect(hub.received.map((r) => r.message.text)).toEqual(['once please']);
  });

  it('ignores a correctly signed message older than the retention as a replay, logged and never processed (W-04)', async () => {
    const conn = await connection();
    const hub = recordingInbound();
    const adapter = await adapterFor(conn, hub.inbound, { retentionMs: 7 * 24 * HOUR });
    await adapter.start();
    const outcome = await adapter.accept(...signed(messagesBody([{ id: 'wamid.OLD', at: clock - 7 * 24 * HOUR - MINUTE }])));
    expect(outcome).toMatchObject({ ok: true, accepted: [], duplicates: 0, replays: 1 });
    await adapter.idle();
    expect(hub.received).toEqual([]);
    expect(await store.channelMessages.get(conn.id, 'in', 'wamid.OLD')).toBeUndefined();
    expect(logs.some((line) => line.includes('"level":40') && line.includes('replay') && line.includes('wamid.OLD'))).toBe(true);
  });

  it('refuses bad signatures and records nothing (W-01)', async () => {
    const conn = await connection();
    const hub = recordingInbound();
    const adapter = await adapterFor(conn, hub.inbound);
    await adapter.start();
    const body = messagesBody([{ id: 'wamid.FORGED' }]);
    const raw = Buffer.from(body);
    const reserialised = JSON.stringify(JSON.parse(body), null, 1);
    for (const signature of [undefined, `sha1=${'0'.repeat(40)}`, signWebhook('wrong-secret', body), signWebhook(SECRET, reserialised), signWebhook(SECRET, messagesBody([{ id: 'wamid.OTHER' }]))]) {
      expect(await adapter.accept(raw, signature)).toMatchObject({ ok: false, status: 401 });
    }
    await adapter.idle();
    expect(hub.received).toEqual([]);
    expect(await store.channelMessages.get(conn.id, 'in', 'wamid.FORGED')).toBeUndefined();
  });

  it("turns buttons into their title and id, media into a bracketed text, and keeps a contact's order", async () => {
    const conn = await connection();
    const hub = recordingInbound();
    const adapter = await adapterFor(conn, hub.inbound);
    await adapter.start();
    await adapter.accept(
      ...signed(
        messagesBody([
          { id: 'wamid.M1', text: 'first' },
          { id: 'wamid.M2', type: 'interactive', extra: { interactive: { type: 'button_reply', button_reply: { id: 'size-large', title: 'Large' } } } },
          { id: 'wamid.M3', type: 'image', extra: { image: { id: 'MEDIA1', mime_type: 'image/jpeg', caption: 'this one' } } },
          { id: 'wamid.M4', type: 'reaction', extra: { reaction: { message_id: 'wamid.M1', emoji: '👍' } } },
        ]),
      ),
    );
    await adapter.idle();
    expect(hub.received.map((r) => ({ text: r.message.text, payload: r.message.payload }))).toEqual([
      { text: 'first', payload: undefined },
      { text: 'Large', payload: 'size-large' },
      { text: '[image] this one', payload: { type: 'image', media: { id: 'MEDIA1', mimeType: 'image/jpeg' } } },
    ]);
    expect((await store.channelMessages.get(conn.id, 'in', 'wamid.M4'))?.status).toBe('ignored');
    expect((await inboxOf(conn)).map((m) => m.key)).toEqual(['wamid.M1', 'wamid.M2', 'wamid.M3']);
  });

  it('marks a message whose turn failed as failed, with the error', async () => {
    const conn = await connection();
    const hub = recordingInbound(async () => {
      throw new NexusError('channel_unavailable', 'deployment gone');
    });
    const adapter = await adapterFor(conn, hub.inbound);
    await adapter.start();
    await adapter.accept(...signed(messagesBody([{ id: 'wamid.BAD' }])));
    await adapter.idle();
    expect(await store.channelMessages.get(conn.id, 'in', 'wamid.BAD')).toMatchObject({ status: 'failed', error: 'deployment gone' });
  });

  it('processes at start what a crash left received or processing, once (W-07 within one process)', async () => {
    const conn = await connection();
    // First life: the turn never ends (the process "dies" mid-turn).
    const first = recordingInbound(() => new Promise<void>(() => undefined));
    const dying = await adapterFor(conn, first.inbound);
    await dying.start();
    await dying.accept(...signed(messagesBody([{ id: 'wamid.CRASH', text: 'during the crash' }])));
    while (first.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(first.received).toHaveLength(1);
    expect((await store.channelMessages.get(conn.id, 'in', 'wamid.CRASH'))?.status).toBe('processing');
    clock += 1000;
    // A message recorded while no adapter ran (the route writes to the inbox alone).
    const logger = pino({ level: 'silent' });
    expect(await acceptWebhook({ connection: conn, messages: store.channelMessages, logger, now, retentionMs: 7 * 24 * HOUR }, ...signed(messagesBody([{ id: 'wamid.WHILE_DOWN', text: 'while down' }])))).toMatchObject({ ok: true });

    // Second life, same database: both are processed, each once, oldest first.
    const second = recordingInbound();
    const restarted = await adapterFor(conn, second.inbound);
    await restarted.start();
    await restarted.processPending();
    await restarted.idle();
    expect(second.received.map((r) => r.message.text)).toEqual(['during the crash', 'while down']);
    expect(second.received[0]!.message.clientMessageId).toBe(first.received[0]!.message.clientMessageId);
    expect((await inboxOf(conn)).map((m) => m.key).sort()).toEqual(['wamid.CRASH', 'wamid.WHILE_DOWN']);
  });

  it('moves sent messages forward only, whatever order the statuses come in (W-05)', async () => {
    const conn = await connection();
    const adapter = await adapterFor(conn, recordingInbound().inbound);
    await adapter.start();
    await adapter.accept(...signed(messagesBody([{ id: 'wamid.IN' }])));
    await adapter.idle();
    await adapter.send(delivery('turn-1/reply', { text: 'hello' }));
    const sent = await store.channelMessages.get(conn.id, 'out', 'turn-1/reply');
    expect(sent).toMatchObject({ status: 'sent', providerId: graph.sent().at(-1)!.wamid });
    const id = sent!.providerId!;
    expect(await adapter.accept(...signed(statusBody([{ id, status: 'read' }])))).toMatchObject({ ok: true, statuses: 1 });
    expect(await adapter.accept(...signed(statusBody([{ id, status: 'delivered' }])))).toMatchObject({ ok: true, statuses: 0 });
    expect(await adapter.accept(...signed(statusBody([{ id, status: 'sent' }])))).toMatchObject({ ok: true, statuses: 0 });
    expect((await store.channelMessages.get(conn.id, 'out', 'turn-1/reply'))?.status).toBe('read');
    // A status for a message not sent from here changes nothing.
    expect(await adapter.accept(...signed(statusBody([{ id: 'wamid.UNKNOWN', status: 'read' }])))).toMatchObject({ ok: true, statuses: 0 });

    await adapter.send(delivery('turn-2/reply', { text: 'bye' }));
    const second = (await store.channelMessages.get(conn.id, 'out', 'turn-2/reply'))!;
    await adapter.accept(...signed(statusBody([{ id: second.providerId!, status: 'failed', errors: [{ code: 131026, title: 'Message undeliverable' }] }])));
    expect(await store.channelMessages.get(conn.id, 'out', 'turn-2/reply')).toMatchObject({ status: 'failed', error: '131026 Message undeliverable' });
  });
});

describe('WhatsApp Cloud API adapter: sending', () => {
  async function readyWithInbound(at = clock) {
    const conn = await connection();
    const adapter = await adapterFor(conn, recordingInbound().inbound);
    await adapter.start();
    await adapter.accept(...signed(messagesBody([{ id: `wamid.${Math.random().toString(36).slice(2)}`, at }])));
    await adapter.idle();
    return { conn, adapter };
  }

  it('posts a text to the Graph API with the token, once per key even when sent twice at once', async () => {
    const { conn, adapter } = await readyWithInbound();
    const before = graph.requests.length;
    await Promise.all([adapter.send(delivery('once-key', { text: 'Hello WORLD!' })), adapter.send(delivery('once-key', { text: 'Hello WORLD!' }))]);
    await adapter.send(delivery('once-key', { text: 'Hello WORLD!' }));
    const requests = graph.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      version: 'v21.0',
      phoneNumberId: PHONE,
      authorization: `Bearer ${TOKEN}`,
      body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: CONTACT, type: 'text', text: { body: 'Hello WORLD!' } },
    });
    expect(await store.channelMessages.get(conn.id, 'out', 'once-key')).toMatchObject({ status: 'sent', providerId: requests[0]!.wamid, contactExternalId: CONTACT });
  });

  it('sends buttons as reply buttons, more than three as a numbered list, and media by link', async () => {
    const { adapter } = await readyWithInbound();
    const before = graph.requests.length;
    await adapter.send(delivery('b3', { text: 'Size?', buttons: [{ title: 'S', payload: 's' }, { title: 'M', payload: 'm' }, { title: 'L', payload: 'l' }] }));
    await adapter.send(delivery('b4', { text: 'Colour?', buttons: ['Red', 'Green', 'Blue', 'Black'].map((title) => ({ title })) }));
    await adapter.send(delivery('m1', { text: 'Our menu', media: { url: 'https://cdn.example.com/menu.jpg', type: 'image' } }));
    const bodies = graph.requests.slice(before).map((r) => r.body);
    expect(bodies[0]).toMatchObject({ type: 'interactive', interactive: { type: 'button', body: { text: 'Size?' }, action: { buttons: [{ reply: { id: 's', title: 'S' } }, { reply: { id: 'm' } }, { reply: { id: 'l' } }] } } });
    expect(bodies[1]).toMatchObject({ type: 'text', text: { body: 'Colour?\n\n1. Red\n2. Green\n3. Blue\n4. Black' } });
    expect(bodies[2]).toMatchObject({ type: 'image', image: { link: 'https://cdn.example.com/menu.jpg', caption: 'Our menu' } });
  });

  it("refuses free-form sends outside the contact's 24-hour window, sending and recording nothing", async () => {
    const { conn, adapter } = await readyWithInbound(clock - 25 * HOUR);
    const before = graph.requests.length;
    const refused = adapter.send(delivery('late', { text: 'are you there?' }));
    await expect(refused).rejects.toBeInstanceOf(NexusError);
    await expect(refused).rejects.toMatchObject({ code: 'channel_window_closed', message: expect.stringMatching(/within 24 hours of the contact's last message; 16505551234 last wrote 25 hours ago.*approved template/) });
    await expect(adapter.send(delivery('never', { text: 'hello?' }, '4915112345678'))).rejects.toMatchObject({ code: 'channel_window_closed', message: expect.stringContaining('4915112345678 has not written') });
    expect(graph.requests.length).toBe(before);
    expect(await store.channelMessages.get(conn.id, 'out', 'late')).toBeUndefined();
    expect(await store.channelMessages.get(conn.id, 'out', 'never')).toBeUndefined();
  });

  it("reports Graph's error with its code, and sends on a retry with the same key", async () => {
    const { conn, adapter } = await readyWithInbound();
    graph.failNext({ status: 400, error: { message: '(#131009) Parameter value is not valid', code: 131009, error_data: { details: 'to is not a valid WhatsApp user' } } });
    const failed = adapter.send(delivery('retry-key', { text: 'hello' }));
    await expect(failed).rejects.toMatchObject({ code: 'channel_send_failed', message: expect.stringContaining('HTTP 400, code 131009): (#131009) Parameter value is not valid (to is not a valid WhatsApp user)') });
    expect(await store.channelMessages.get(conn.id, 'out', 'retry-key')).toMatchObject({ status: 'failed', error: expect.stringContaining('131009') });
    await adapter.send(delivery('retry-key', { text: 'hello' }));
    const record = await store.channelMessages.get(conn.id, 'out', 'retry-key');
    expect(record).toMatchObject({ status: 'sent', providerId: graph.sent().at(-1)!.wamid });

    graph.failNext({ status: 400, error: { message: 'Re-engagement message', code: 131047 } });
    await expect(adapter.send(delivery('window-key', { text: 'hello' }))).rejects.toMatchObject({ code: 'channel_window_closed' });
    graph.failNext({ status: 429, error: { message: 'Rate limit hit', code: 130429 } });
    await expect(adapter.send(delivery('rate-key', { text: 'hello' }))).rejects.toMatchObject({ code: 'channel_rate_limited' });
  });

  it('says a wrong access token was refused, and an unreachable Graph API, clearly', async () => {
    const conn = await connection({ accessToken: 'EAAG-wrong-token' });
    const adapter = await adapterFor(conn, recordingInbound().inbound);
    await adapter.start();
    await adapter.accept(...signed(messagesBody([{ id: 'wamid.TOKEN' }])));
    await adapter.idle();
    await expect(adapter.send(delivery('token-key', { text: 'hi' }))).rejects.toMatchObject({ code: 'channel_send_failed', message: expect.stringMatching(/code 190.*accessToken was refused/) });

    const offline = await adapterFor(await connection({ graphBaseUrl: 'http://127.0.0.1:9' }), recordingInbound().inbound);
    await offline.start();
    await offline.accept(...signed(messagesBody([{ id: 'wamid.OFFLINE' }])));
    await offline.idle();
    await expect(offline.send(delivery('offline-key', { text: 'hi' }))).rejects.toMatchObject({ code: 'channel_send_failed', message: expect.stringContaining('could not reach the WhatsApp Cloud API at http://127.0.0.1:9') });
  });

  it('never writes the app secret or the access token to the logs', async () => {
    const { adapter } = await readyWithInbound();
    await adapter.accept(Buffer.from('{}'), signWebhook('wrong', '{}'));
    await adapter.send(delivery('log-key', { text: 'hi' }));
    graph.failNext({ status: 500, error: { message: 'Internal', code: 1 } });
    await adapter.send(delivery('log-key-2', { text: 'hi' })).catch(() => undefined);
    const text = logs.join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
  });
});
