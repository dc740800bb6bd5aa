import { describe, expect, it } from 'vitest';
import type { ChannelDelivery } from '../types.js';
import { clientMessageIdOf } from './inbound-filter.js';
import { checkEachTest, createHarness, waitUntil, whatsappConnection, type Harness } from './test-fixtures/harness.js';

// Inbound messages: filters, deduplication (W-08), no reply loop (W-08), order, failures, recovery.

const CONTACT = '15551234567@c.us';
let h: Harness;
checkEachTest(() => h);

/** Lets the adapter's async handlers finish (they run on the store and the event loop). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

function reply(harness: Harness, to: string, text: string, key: string): ChannelDelivery {
  return { workspaceId: harness.connection.workspaceId, sessionId: 'session-1', contactExternalId: to, key, message: { text }, from: 'flow' };
}

async function inboxRow(harness: Harness, key: string) {
  return harness.store.channelMessages.get(harness.connection.id, 'in', key);
}

describe('whatsapp-web adapter: inbound', () => {
  it('hands a message to the chat service with the WhatsApp id as contact and marks it done', async () => {
    h = createHarness();
    const client = await h.startReady();
    const message = client.receive({ from: CONTACT, body: 'hi there', id: 'ABCDEF', notifyName: 'Ada' });
    await waitUntil(async () => (await inboxRow(h, message.id._serialized))?.status === 'done', 'the inbox row is done');
    expect(h.recording.received).toEqual([
      { connectionId: h.connection.id, contact: { externalId: CONTACT, name: 'Ada' }, message: { text: 'hi there', clientMessageId: clientMessageIdOf(`false_${CONTACT}_ABCDEF`) } },
    ]);
    expect(h.recording.received[0]!.message.clientMessageId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(await inboxRow(h, message.id._serialized)).toMatchObject({ direction: 'in', contactExternalId: CONTACT, status: 'done', providerAt: message.timestamp! * 1000 });
  });

  it('drops duplicates by message id: message_create + message, the same event twice, at once and later', async () => {
    h = createHarness();
    const client = await h.startReady();
    const first = client.receive({ from: CONTACT, body: 'once', id: 'DUP1' }); // fires message_create and message
    client.receive({ from: CONTACT, body: 'once', id: 'DUP1' });
    await waitUntil(() => h.recording.received.length === 1, 'the message is handed over');
    await settle();
    client.receive({ from: CONTACT, body: 'once', id: 'DUP1' });
    await settle();
    expect(h.recording.received.map((r) => r.message.text)).toEqual(['once']);
    expect(h.logs.filter((l) => l.msg === 'whatsapp: duplicate message dropped' && l.id === first.id._serialized).length).toBeGreaterThanOrEqual(3);
  });

  it('ignores groups, status updates, broadcasts, notices and empty messages by default', async () => {
    h = createHarness();
    const client = await h.startReady();
    client.receive({ from: '120363000000000000@g.us', author: CONTACT, body: 'group hello' });
    client.receive({ from: 'status@broadcast', author: CONTACT, body: 'my status' });
    client.receive({ from: '12345@broadcast', body: 'list' });
    client.receive({ from: '120363111@newsletter', body: 'channel post' });
    client.receive({ from: CONTACT, body: '', type: 'e2e_notification' });
    client.receive({ from: CONTACT, body: '' });
    client.receive({ from: CONTACT, body: 'real one' });
    await waitUntil(() => h.recording.received.length === 1, 'the real message is handed over');
    await settle();
    expect(h.recording.received.map((r) => r.message.text)).toEqual(['real one']);
    const reasons = h.logs.filter((l) => l.msg === 'whatsapp: message ignored').map((l) => l.reason);
    expect(reasons).toEqual(['group message (ignoreGroups)', 'status update', 'broadcast or channel', 'broadcast or channel', 'notice (e2e_notification)', 'empty message'].flatMap((r) => [r, r]));
  });

  it('takes group messages when ignoreGroups is false (the group is the contact); status updates stay ignored', async () => {
    h = createHarness({ connection: whatsappConnection({ config: { ignoreGroups: false, ignoreOwn: false } }) });
    const client = await h.startReady();
    client.receive({ from: '120363000000000000@g.us', author: CONTACT, body: 'group hello', notifyName: 'Bo' });
    client.receive({ from: 'status@broadcast', author: CONTACT, body: 'my status' });
    await waitUntil(() => h.recording.received.length === 1, 'the group message is handed over');
    await settle();
    expect(h.recording.received[0]!.contact).toEqual({ externalId: '120363000000000000@g.us', name: 'Bo' });
  });

  it('ignores the account’s own messages by default', async () => {
    h = createHarness();
    const client = await h.startReady();
    client.receive({ from: CONTACT, fromMe: true, body: 'typed on the phone' });
    await settle();
    expect(h.recording.received).toEqual([]);
  });

  it('with ignoreOwn false, takes own messages (e.g. to oneself) but never the bot’s replies: no reply loop', async () => {
    h = createHarness({ connection: whatsappConnection({ config: { ignoreOwn: false } }) });
    const client = await h.startReady();
    const self = client.me;
    let turns = 0;
    h.recording.onReceive = async (entry) => {
      turns += 1;
      // The flow answers in the same chat: WhatsApp echoes the answer back as an own message_create.
      await h.adapter.send(reply(h, entry.contact.externalId, `echo: ${entry.message.text}`, `turn-${turns}`));
    };
    client.receive({ from: self, fromMe: true, body: 'note to self' });
    await waitUntil(() => client.sent.length === 1, 'the bot answered');
    await settle();
    // The echo is also re-delivered later (after a reconnect, say) and still not taken.
    client.receive({ from: self, fromMe: true, body: 'echo: note to self', id: client.sent[0]!.id });
    await settle();
    expect(turns).toBe(1);
    expect(client.sent.map((s) => s.body)).toEqual(['echo: note to self']);
    expect(h.recording.received.map((r) => r.contact.externalId)).toEqual([self]);
    expect(h.logs.some((l) => l.msg === 'whatsapp: message ignored' && l.reason === 'sent by this bot')).toBe(true);
  });

  it('never answers its own outgoing message_create with the default config either', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(reply(h, CONTACT, 'hello from the bot', 'k-1'));
    await settle();
    expect(client.sent).toHaveLength(1);
    expect(h.recording.received).toEqual([]);
  });

  it('a turn that fails marks the message failed, logs it, rejects nothing, and the next message still runs', async () => {
    h = createHarness();
    const client = await h.startReady();
    h.recording.onReceive = (entry) => {
      if (entry.message.text === 'boom') throw new Error('flow crashed');
    };
    const bad = client.receive({ from: CONTACT, body: 'boom' });
    client.receive({ from: CONTACT, body: 'fine' });
    await waitUntil(() => h.recording.received.length === 2, 'both messages are handed over');
    await waitUntil(async () => (await inboxRow(h, bad.id._serialized))?.status === 'failed', 'the failed message is marked');
    expect(await inboxRow(h, bad.id._serialized)).toMatchObject({ status: 'failed', error: 'flow crashed' });
    expect(h.logs.some((l) => l.msg === 'whatsapp: the turn of an inbound message failed')).toBe(true);
  });

  it('a store that fails while recording is logged, not thrown', async () => {
    h = createHarness();
    const client = await h.startReady();
    const record = h.store.channelMessages.record;
    h.store.channelMessages.record = async () => {
      throw new Error('disk full');
    };
    client.receive({ from: CONTACT, body: 'lost' });
    await waitUntil(() => h.logs.some((l) => l.msg === 'whatsapp: inbound message failed' && (l.err as { message: string }).message === 'disk full'), 'the failure is logged');
    h.store.channelMessages.record = record;
    expect(h.recording.received).toEqual([]);
  });

  it('keeps one contact’s messages in order while a turn runs; other contacts are not held up', async () => {
    h = createHarness();
    const client = await h.startReady();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const finished: string[] = [];
    h.recording.onReceive = async (entry) => {
      if (entry.message.text === 'first') await gate;
      finished.push(entry.message.text);
    };
    client.receive({ from: CONTACT, body: 'first' });
    client.receive({ from: CONTACT, body: 'second' });
    client.receive({ from: '15559999999@c.us', body: 'other contact' });
    await waitUntil(() => finished.includes('other contact'), 'the other contact’s turn ran');
    expect(finished).toEqual(['other contact']);
    release();
    await waitUntil(() => finished.length === 3, 'all turns ran');
    expect(finished).toEqual(['other contact', 'first', 'second']);
  });

  it('an answer to a numbered button list arrives as that button (title and payload)', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send({
      ...reply(h, CONTACT, 'Pick a size', 'buttons-1'),
      message: { text: 'Pick a size', buttons: [{ title: 'Small', payload: 'size_s' }, { title: 'Large', payload: 'size_l' }] },
    });
    expect(client.sent[0]!.body).toBe('Pick a size\n\n1. Small\n2. Large');
    client.receive({ from: CONTACT, body: ' 2. ' });
    client.receive({ from: CONTACT, body: '2' }); // the list was answered already: plain text now
    await waitUntil(() => h.recording.received.length === 2, 'both answers are handed over');
    expect(h.recording.received.map((r) => r.message)).toEqual([
      expect.objectContaining({ text: 'Large', payload: 'size_l' }),
      expect.not.objectContaining({ payload: expect.anything() }),
    ]);
    expect(h.recording.received[1]!.message.text).toBe('2');
  });

  it('hands over again, once ready, an inbox message a crash left unfinished', async () => {
    h = createHarness();
    const { message } = await h.store.channelMessages.record({
      workspaceId: h.connection.workspaceId,
      connectionId: h.connection.id,
      direction: 'in',
      key: `false_${CONTACT}_CRASHED`,
      contactExternalId: CONTACT,
      status: 'processing',
      payload: { contact: { externalId: CONTACT, name: 'Ada' }, message: { text: 'before the crash', clientMessageId: clientMessageIdOf(`false_${CONTACT}_CRASHED`) } },
    });
    h.clock.advance(1_000);
    await h.startReady();
    await waitUntil(async () => (await h.store.channelMessages.get(h.connection.id, 'in', message.key))?.status === 'done', 'the unfinished message is done');
    expect(h.recording.received).toEqual([
      { connectionId: h.connection.id, contact: { externalId: CONTACT, name: 'Ada' }, message: { text: 'before the crash', clientMessageId: clientMessageIdOf(`false_${CONTACT}_CRASHED`) } },
    ]);
  });
});
