import { describe, expect, it } from 'vitest';
import { createFakeClientFactory, createFakeWhatsAppClient, SESSION_CLOSED_MESSAGE } from './fake-client.js';

// The fake plays whatsapp-web.js's Client: other tests (server, editor e2e) rely on these behaviours.

describe('fake WhatsApp client', () => {
  it('emits message_create then message for an incoming message, only message_create for an own one (as the real Client)', () => {
    const fake = createFakeWhatsAppClient({ now: () => 1_700_000_000_000 });
    const events: string[] = [];
    fake.on('message_create', (m) => events.push(`create:${(m as { body: string }).body}`));
    fake.on('message', (m) => events.push(`message:${(m as { body: string }).body}`));
    const incoming = fake.receive({ from: '15551234567@c.us', body: 'hi', id: 'AAA', notifyName: 'Ada' });
    fake.receive({ from: fake.me, fromMe: true, body: 'typed on the phone' });
    expect(events).toEqual(['create:hi', 'message:hi', 'create:typed on the phone']);
    expect(incoming).toMatchObject({
      id: { _serialized: 'false_15551234567@c.us_AAA', fromMe: false, remote: '15551234567@c.us' },
      from: '15551234567@c.us',
      to: fake.me,
      fromMe: false,
      isStatus: false,
      timestamp: 1_700_000_000,
      _data: { notifyName: 'Ada' },
    });
    expect(fake.receive({ from: 'status@broadcast', body: 's' }).isStatus).toBe(true);
  });

  it('echoes an own send as message_create before sendMessage resolves, and records it', async () => {
    const fake = createFakeWhatsAppClient();
    let echoedBeforeResolve = false;
    let resolved = false;
    fake.on('message_create', () => (echoedBeforeResolve = !resolved));
    const sent = await fake.sendMessage('15551234567@c.us', 'hello');
    resolved = true;
    expect(echoedBeforeResolve).toBe(true);
    expect(sent.id._serialized).toMatch(/^true_15551234567@c\.us_/);
    expect(fake.sent).toMatchObject([{ chatId: '15551234567@c.us', body: 'hello', id: sent.id._serialized }]);
    const chat = await fake.getChatById!('15551234567@c.us');
    expect((await chat!.fetchMessages({ limit: 10, fromMe: true })).map((m) => m.body)).toEqual(['hello']);
  });

  it('scripts failures: a send that fails after delivery, one that fails before, a crashed page', async () => {
    const fake = createFakeWhatsAppClient();
    fake.failNextSend('timeout', { delivered: true });
    await expect(fake.sendMessage('1@c.us', 'a')).rejects.toThrow('timeout');
    fake.failNextSend('refused');
    await expect(fake.sendMessage('1@c.us', 'b')).rejects.toThrow('refused');
    expect(fake.sent.map((s) => s.body)).toEqual(['a']);
    expect(fake.sendAttempts).toBe(2);
    fake.closeSession();
    await expect(fake.sendMessage('1@c.us', 'c')).rejects.toThrow(SESSION_CLOSED_MESSAGE);
    await expect(fake.getChatById!('1@c.us')).rejects.toThrow(SESSION_CLOSED_MESSAGE);
    await expect(fake.initialize()).rejects.toThrow(SESSION_CLOSED_MESSAGE);
  });

  it('the factory makes one fake per client the adapter asks for, and can script them', () => {
    const factory = createFakeClientFactory();
    factory.onClient = (client, index) => index === 1 && client.failNextInitialize('boom');
    expect(() => factory.latest).toThrow(/call adapter.start\(\) first/);
    factory.createClient({ clientId: 'c1', dataPath: '/data/whatsapp', chromiumPath: '/usr/bin/chromium' });
    const second = factory.createClient({ clientId: 'c1', dataPath: '/data/whatsapp', chromiumPath: '/usr/bin/chromium' });
    expect(factory.clients).toHaveLength(2);
    expect(factory.latest).toBe(second);
    return expect(second.initialize()).rejects.toThrow('boom');
  });
});
