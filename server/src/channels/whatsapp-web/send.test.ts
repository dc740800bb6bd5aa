import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '@nexusflow/engine';
import type { ChannelDelivery } from '../types.js';
import { createManualClock } from './manual-clock.js';
import { checkEachTest, createHarness, waitUntil, type Harness } from './test-fixtures/harness.js';

// Outbound: text, media, buttons, idempotency on ambiguous failures (W-10), pacing and caps (W-11).

const CONTACT = '15551234567@c.us';
let h: Harness;
checkEachTest(() => h);

function delivery(key: string, message: OutboundMessage = { text: 'hello' }, to = CONTACT): ChannelDelivery {
  return { workspaceId: h.connection.workspaceId, sessionId: 'session-1', contactExternalId: to, key, message, from: 'flow' };
}

const sentRow = (key: string) => h.store.channelMessages.get(h.connection.id, 'out', key);

describe('whatsapp-web adapter: sending', () => {
  it('sends text to the contact’s chat and records the key with WhatsApp’s message id', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(delivery('step-1/send/0', { text: 'Hello Ada' }));
    expect(client.sent).toMatchObject([{ chatId: CONTACT, body: 'Hello Ada' }]);
    expect(await sentRow('step-1/send/0')).toMatchObject({ status: 'sent', providerId: client.sent[0]!.id, contactExternalId: CONTACT, payload: { sessionId: 'session-1', from: 'flow', message: { text: 'Hello Ada' } } });
  });

  it('the same key twice goes out once', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(delivery('k'));
    await h.adapter.send(delivery('k'));
    await Promise.all([h.adapter.send(delivery('k2')), h.adapter.send(delivery('k2'))]);
    expect(client.sent).toHaveLength(2);
  });

  it('accepts a bare international phone number as the contact', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(delivery('k', { text: 'hi' }, '+4915112345678'));
    expect(client.sent[0]!.chatId).toBe('4915112345678@c.us');
  });

  it('sends media from a URL with the text as caption; media alone has no caption', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(delivery('m1', { text: 'Your invoice', media: { url: 'https://files.example.com/invoice.pdf', type: 'file' } }));
    await h.adapter.send(delivery('m2', { media: { url: 'https://files.example.com/photo.jpg', type: 'image' } }));
    expect(client.mediaRequests).toEqual(['https://files.example.com/invoice.pdf', 'https://files.example.com/photo.jpg']);
    expect(client.sent).toMatchObject([
      { chatId: CONTACT, body: 'Your invoice', media: { url: 'https://files.example.com/invoice.pdf', mimetype: 'application/pdf', filename: 'invoice.pdf' } },
      { chatId: CONTACT, body: '', media: { url: 'https://files.example.com/photo.jpg', mimetype: 'image/jpeg' } },
    ]);
  });

  it('media that cannot be loaded is not sent, with a clear error, and can be retried', async () => {
    h = createHarness();
    const client = await h.startReady();
    client.failNextMedia('HTTP 404');
    await expect(h.adapter.send(delivery('m', { media: { url: 'https://files.example.com/gone.png' } }))).rejects.toMatchObject({
      code: 'channel_send_failed',
      message: 'WhatsApp media "https://files.example.com/gone.png" could not be loaded (HTTP 404); the message was not sent',
    });
    expect(client.sent).toEqual([]);
    expect(await sentRow('m')).toBeUndefined();
    await h.adapter.send(delivery('m', { media: { url: 'https://files.example.com/gone.png' } }));
    expect(client.sent).toHaveLength(1);
  });

  it('refuses media URLs that are not http(s), and those the egress check refuses', async () => {
    h = createHarness({
      adapter: {
        checkMediaUrl: (url) => {
          if (url.hostname === '169.254.169.254') throw new Error('private address');
        },
      },
    });
    const client = await h.startReady();
    await expect(h.adapter.send(delivery('f', { media: { url: 'file:///etc/passwd' } }))).rejects.toMatchObject({ code: 'channel_send_failed', message: expect.stringMatching(/the scheme file: is not allowed/) });
    await expect(h.adapter.send(delivery('p', { media: { url: 'http://169.254.169.254/latest' } }))).rejects.toMatchObject({ message: expect.stringMatching(/\(private address\)/) });
    expect(client.mediaRequests).toEqual([]);
  });

  it('renders buttons as a numbered list (whatsapp-web.js buttons are deprecated)', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(delivery('b', { buttons: [{ title: 'Yes' }, { title: 'No' }] }));
    expect(client.sent[0]!.body).toBe('1. Yes\n2. No');
  });

  it('refuses bad recipients and empty messages clearly', async () => {
    h = createHarness();
    await h.startReady();
    await expect(h.adapter.send(delivery('x', { text: 'hi' }, 'status@broadcast'))).rejects.toMatchObject({ code: 'invalid_message', message: expect.stringMatching(/must be a WhatsApp id such as "15551234567@c.us"/) });
    await expect(h.adapter.send(delivery('y', { text: '' }))).rejects.toMatchObject({ code: 'invalid_message', message: expect.stringMatching(/needs text, buttons or media/) });
  });

  it('is channel_unavailable while not ready: stopped, waiting for the QR code, reconnecting', async () => {
    h = createHarness();
    await expect(h.adapter.send(delivery('a'))).rejects.toMatchObject({ code: 'channel_unavailable', message: expect.stringMatching(/"Support line" cannot send now: it is stopped/) });
    await h.adapter.start();
    h.factory.latest.emitQr();
    await h.reach('waiting_for_qr');
    await expect(h.adapter.send(delivery('a'))).rejects.toMatchObject({ code: 'channel_unavailable', message: expect.stringMatching(/it is waiting for qr/) });
    h.factory.latest.emitReady();
    await h.reach('ready');
    h.factory.latest.emitDisconnected('NAVIGATION');
    await h.reach('disconnected');
    await expect(h.adapter.send(delivery('a'))).rejects.toMatchObject({ code: 'channel_unavailable', message: expect.stringMatching(/it is disconnected \(Connection lost: NAVIGATION/) });
  });
});

describe('whatsapp-web adapter: ambiguous failures (W-10)', () => {
  it('a send WhatsApp took before timing out is not sent again on retry; the sent-key table has one entry', async () => {
    h = createHarness();
    const client = await h.startReady();
    client.failNextSend(new Error('evaluation timed out after 30000 ms'), { delivered: true });
    await expect(h.adapter.send(delivery('turn-7/send/0', { text: 'Your order shipped' }))).rejects.toMatchObject({
      code: 'channel_send_failed',
      message: expect.stringMatching(/did not confirm the message to 15551234567@c.us; a retry with the same key checks the chat first/),
    });
    expect(await sentRow('turn-7/send/0')).toMatchObject({ status: 'failed', error: 'evaluation timed out after 30000 ms' });

    await h.adapter.send(delivery('turn-7/send/0', { text: 'Your order shipped' })); // the engine's retry
    await h.adapter.send(delivery('turn-7/send/0', { text: 'Your order shipped' })); // and one more
    expect(client.sent.map((s) => s.body)).toEqual(['Your order shipped']);
    expect(client.sendAttempts).toBe(1);
    expect(await sentRow('turn-7/send/0')).toMatchObject({ status: 'sent', providerId: client.sent[0]!.id });
    expect(await h.store.channelMessages.countOutbound(h.connection.id, 0)).toBe(1);
  });

  it('a send that failed before reaching WhatsApp is sent on retry', async () => {
    h = createHarness();
    const client = await h.startReady();
    client.failNextSend(new Error('evaluation timed out'));
    await expect(h.adapter.send(delivery('k', { text: 'Same words' }))).rejects.toMatchObject({ code: 'channel_send_failed' });
    await h.adapter.send(delivery('k', { text: 'Same words' }));
    expect(client.sent.map((s) => s.body)).toEqual(['Same words']);
    expect(client.sendAttempts).toBe(2);
    expect(await sentRow('k')).toMatchObject({ status: 'sent', providerId: client.sent[0]!.id });
  });

  it('an identical text sent earlier under another key does not count as this one', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(delivery('first', { text: 'OK' }));
    client.failNextSend(new Error('evaluation timed out'));
    await expect(h.adapter.send(delivery('second', { text: 'OK' }))).rejects.toMatchObject({ code: 'channel_send_failed' });
    await h.adapter.send(delivery('second', { text: 'OK' }));
    expect(client.sent.map((s) => s.body)).toEqual(['OK', 'OK']);
  });

  it('a crash between recording the key and sending: the retry finds nothing in the chat and sends', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.store.channelMessages.record({
      workspaceId: h.connection.workspaceId,
      connectionId: h.connection.id,
      direction: 'out',
      key: 'crashed',
      contactExternalId: CONTACT,
      status: 'pending',
      payload: {},
    });
    await h.adapter.send(delivery('crashed', { text: 'after restart' }));
    expect(client.sent.map((s) => s.body)).toEqual(['after restart']);
    expect(await sentRow('crashed')).toMatchObject({ status: 'sent' });
  });

  it('a retry after the browser died is channel_unavailable and reconnects; once back, it still goes out once', async () => {
    h = createHarness();
    const client = await h.startReady();
    client.failNextSend(new Error('evaluation timed out'), { delivered: true });
    await expect(h.adapter.send(delivery('k', { text: 'only once' }))).rejects.toMatchObject({ code: 'channel_send_failed' });
    client.closeSession();
    await expect(h.adapter.send(delivery('k', { text: 'only once' }))).rejects.toMatchObject({
      code: 'channel_unavailable',
      message: expect.stringMatching(/could not check whether an earlier attempt of this message reached 15551234567@c.us: the WhatsApp Web page closed/),
    });
    await h.reach('disconnected');
    h.clock.fireNext();
    await waitUntil(() => h.factory.clients.length === 2, 'a new client is created');
    const second = h.factory.latest;
    second.emitReady();
    await h.reach('ready');
    // The new client sees the chat as WhatsApp keeps it: the earlier delivery is there.
    second.receive({ from: client.me, fromMe: true, to: CONTACT, body: 'only once', id: client.sent[0]!.id });
    await h.adapter.send(delivery('k', { text: 'only once' }));
    expect(second.sendAttempts).toBe(0);
    expect(await sentRow('k')).toMatchObject({ status: 'sent', providerId: client.sent[0]!.id });
  });

  it('a retry of a message that went out succeeds even while reconnecting', async () => {
    h = createHarness();
    const client = await h.startReady();
    await h.adapter.send(delivery('k'));
    client.emitDisconnected('NAVIGATION');
    await h.reach('disconnected');
    await h.adapter.send(delivery('k'));
    expect(client.sent).toHaveLength(1);
  });

  it('a client that cannot read the chat refuses to risk a duplicate', async () => {
    h = createHarness();
    const client = await h.startReady();
    client.failNextSend(new Error('evaluation timed out'), { delivered: true });
    await expect(h.adapter.send(delivery('k'))).rejects.toMatchObject({ code: 'channel_send_failed' });
    (client as { getChatById?: unknown }).getChatById = undefined;
    await expect(h.adapter.send(delivery('k'))).rejects.toMatchObject({ code: 'channel_send_failed', message: expect.stringMatching(/may have been delivered.*not sent again, to avoid a duplicate/) });
    expect(client.sent).toHaveLength(1);
  });
});

describe('whatsapp-web adapter: pacing and caps (W-11)', () => {
  it('sends one at a time, in the order asked, at least minIntervalMs apart', async () => {
    const clock = createManualClock({ auto: true });
    h = createHarness({ clock, adapter: { limits: { minIntervalMs: 1_000 } } });
    const client = await h.startReady();
    const contacts = ['111111111@c.us', '222222222@c.us', '333333333@c.us', '111111111@c.us', '222222222@c.us'];
    await Promise.all(contacts.map((to, i) => h.adapter.send(delivery(`k${i}`, { text: `message ${i}` }, to))));
    expect(client.sent.map((s) => [s.chatId, s.body])).toEqual(contacts.map((to, i) => [to, `message ${i}`]));
    const gaps = client.sent.slice(1).map((s, i) => s.at - client.sent[i]!.at);
    expect(gaps).toEqual([1_000, 1_000, 1_000, 1_000]);
  });

  it('a turn looping 500 sends to one contact is capped per minute with channel_rate_limited', async () => {
    const clock = createManualClock({ auto: true });
    h = createHarness({ clock, adapter: { limits: { minIntervalMs: 1_000 } } });
    const client = await h.startReady();
    await h.store.channelMessages.record({ workspaceId: h.connection.workspaceId, connectionId: h.connection.id, direction: 'in', key: 'hello', contactExternalId: CONTACT, status: 'done', payload: {} });
    const errors: { code: string; message: string }[] = [];
    for (let i = 0; i < 500; i += 1) {
      await h.adapter.send(delivery(`loop/send/${i}`, { text: `spam ${i}` })).catch((error: { code: string; message: string }) => errors.push(error));
    }
    expect(client.sent).toHaveLength(12);
    expect(errors).toHaveLength(488);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['channel_rate_limited']));
    expect(errors[0]!.message).toBe(
      'WhatsApp send refused: at most 12 messages per minute go to one contact (15551234567@c.us got 12). The message was not sent; WhatsApp bans numbers that send too much, so send fewer messages or try again later.',
    );
    // A minute later the contact can be written to again.
    clock.advance(60_000);
    await h.adapter.send(delivery('later', { text: 'a minute later' }));
    expect(client.sent).toHaveLength(13);
  });

  it('500 sends fired at once are capped the same way', async () => {
    h = createHarness({ adapter: { limits: { perContactPerMinute: 5 } } });
    const client = await h.startReady();
    await h.store.channelMessages.record({ workspaceId: h.connection.workspaceId, connectionId: h.connection.id, direction: 'in', key: 'hello', contactExternalId: CONTACT, status: 'done', payload: {} });
    const results = await Promise.allSettled(Array.from({ length: 500 }, (_, i) => h.adapter.send(delivery(`burst/${i}`))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(client.sent).toHaveLength(5);
  });

  it('caps one number per hour across contacts', async () => {
    h = createHarness({ adapter: { limits: { perConnectionPerHour: 30 } } });
    const client = await h.startReady();
    const contacts = Array.from({ length: 40 }, (_, i) => `1555000${String(i).padStart(4, '0')}@c.us`);
    for (const contact of contacts) {
      await h.store.channelMessages.record({ workspaceId: h.connection.workspaceId, connectionId: h.connection.id, direction: 'in', key: `in-${contact}`, contactExternalId: contact, status: 'done', payload: {} });
    }
    const errors: { message: string }[] = [];
    for (const [i, contact] of contacts.entries()) await h.adapter.send(delivery(`c${i}`, { text: 'news' }, contact)).catch((e: { message: string }) => errors.push(e));
    expect(client.sent).toHaveLength(30);
    expect(errors[0]!.message).toMatch(/at most 30 messages per hour go out of one WhatsApp number \(30 sent in the last hour\)/);
  });

  it('caps contacts who never wrote in (200 new contacts -> newContactsPerHour)', async () => {
    h = createHarness();
    const client = await h.startReady();
    const errors: { code: string; message: string }[] = [];
    for (let i = 0; i < 200; i += 1) {
      await h.adapter.send(delivery(`cold/${i}`, { text: 'Special offer!' }, `4930${String(i).padStart(6, '0')}@c.us`)).catch((e: { code: string; message: string }) => errors.push(e));
    }
    expect(client.sent).toHaveLength(20);
    expect(errors).toHaveLength(180);
    expect(errors[0]).toMatchObject({ code: 'channel_rate_limited', message: expect.stringMatching(/at most 20 new contacts \(who never wrote to this number\) per hour/) });
    // Someone who wrote first is not a new contact; a new contact already written to is not counted twice.
    await h.store.channelMessages.record({ workspaceId: h.connection.workspaceId, connectionId: h.connection.id, direction: 'in', key: 'in-1', contactExternalId: CONTACT, status: 'done', payload: {} });
    await h.adapter.send(delivery('reply', { text: 'answer' }));
    await h.adapter.send(delivery('again', { text: 'follow-up' }, '4930000000@c.us'));
    expect(client.sent).toHaveLength(22);
  });
});
