import { describe, expect, it } from 'vitest';
import { contentOf, parseWebhook } from './payload.js';

const PHONE = '106540352242922';

/** A webhook body as Meta sends it, with one change for `PHONE`. */
function webhook(value: Record<string, unknown>, phoneNumberId = PHONE) {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value } }] }],
  };
}

describe('webhook payloads', () => {
  it('reads messages with the profile name, the wamid and the timestamp in ms', () => {
    const messages = [
      { from: '16505551234', id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=', timestamp: '1749416383', type: 'text', text: { body: 'Does it come in another color?' } },
      { from: '16505550000', id: 'wamid.B', timestamp: 1749416384, type: 'text', text: { body: 'no profile' } },
    ];
    const parsed = parseWebhook(webhook({ contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }], messages }), PHONE);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.statuses).toEqual([]);
    expect(parsed.messages).toEqual([
      {
        wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
        from: '16505551234',
        name: 'Sheena Nelson',
        providerAt: 1_749_416_383_000,
        message: messages[0],
      },
      { wamid: 'wamid.B', from: '16505550000', providerAt: 1_749_416_384_000, message: messages[1] },
    ]);
  });

  it('reads statuses, with the error of a failed one', () => {
    const parsed = parseWebhook(
      webhook({
        statuses: [
          { id: 'wamid.OUT1', status: 'read', timestamp: '1749416400', recipient_id: '16505551234' },
          { id: 'wamid.OUT2', status: 'failed', timestamp: '1749416400', recipient_id: '16505551234', errors: [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'Receiver is incapable of receiving this message' } }] },
          { id: 'wamid.OUT3', status: 'deleted', timestamp: '1749416400', recipient_id: '16505551234' },
        ],
      }),
      PHONE,
    );
    expect(parsed.statuses).toEqual([
      { providerId: 'wamid.OUT1', status: 'read', recipient: '16505551234' },
      { providerId: 'wamid.OUT2', status: 'failed', recipient: '16505551234', error: '131026 Message undeliverable: Receiver is incapable of receiving this message' },
    ]);
    expect(parsed.skipped).toEqual(['a status that is not sent, delivered, read or failed ("deleted")']);
  });

  it("skips other objects, other fields, another phone number's changes and messages without id, sender or timestamp", () => {
    expect(parseWebhook({ object: 'page', entry: [] }, PHONE)).toEqual({ messages: [], statuses: [], skipped: ['not a WhatsApp Business Account webhook (object: "page")'] });
    expect(parseWebhook('nope', PHONE).skipped).toEqual(['not a WhatsApp Business Account webhook (object: string)']);
    const other = parseWebhook(webhook({ messages: [{ from: '1', id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'x' } }] }, '999'), PHONE);
    expect(other.messages).toEqual([]);
    expect(other.skipped).toEqual(['change for phone number id "999", not this connection\'s']);
    const field = parseWebhook({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'account_update', value: {} }] }] }, PHONE);
    expect(field.skipped).toEqual(['change of field "account_update" ignored']);
    const broken = parseWebhook(webhook({ messages: [{ from: '1', id: 'wamid.Y', type: 'text' }, { id: 'wamid.Z', timestamp: '1' }, 'text'] }), PHONE);
    expect(broken.messages).toEqual([]);
    expect(broken.skipped).toEqual([
      'a message without a usable id, from or timestamp (id "wamid.Y")',
      'a message without a usable id, from or timestamp (id "wamid.Z")',
      'a message that is not an object',
    ]);
  });
});

describe('what a flow receives for a WhatsApp message', () => {
  it('text as text; a reply button or list row as its title with its id as payload; a template button likewise', () => {
    expect(contentOf({ type: 'text', text: { body: 'hello 👋' } })).toEqual({ text: 'hello 👋' });
    expect(contentOf({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes-please', title: 'Yes' } } })).toEqual({ text: 'Yes', payload: 'yes-please' });
    expect(contentOf({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'row-2', title: 'Blue', description: 'the blue one' } } })).toEqual({ text: 'Blue', payload: 'row-2' });
    expect(contentOf({ type: 'button', button: { text: 'Stop promotions', payload: 'STOP' } })).toEqual({ text: 'Stop promotions', payload: 'STOP' });
  });

  it('media and locations as a bracketed text with a payload describing them', () => {
    expect(contentOf({ type: 'image', image: { id: '1479537139650973', mime_type: 'image/jpeg', sha256: 'x', caption: 'my cat' } })).toEqual({
      text: '[image] my cat',
      payload: { type: 'image', media: { id: '1479537139650973', mimeType: 'image/jpeg' } },
    });
    expect(contentOf({ type: 'audio', audio: { id: '77', mime_type: 'audio/ogg; codecs=opus', voice: true } })).toEqual({ text: '[audio]', payload: { type: 'audio', media: { id: '77', mimeType: 'audio/ogg; codecs=opus' } } });
    expect(contentOf({ type: 'document', document: { id: '88', filename: 'invoice.pdf', mime_type: 'application/pdf' } })).toEqual({
      text: '[document: invoice.pdf]',
      payload: { type: 'document', media: { id: '88', mimeType: 'application/pdf', filename: 'invoice.pdf' } },
    });
    expect(contentOf({ type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Office', address: 'Main St 1' } })).toEqual({
      text: '[location: Office, Main St 1]',
      payload: { type: 'location', latitude: 52.52, longitude: 13.405, place: 'Office, Main St 1' },
    });
    expect(contentOf({ type: 'contacts', contacts: [] })).toEqual({ text: '[contacts]', payload: { type: 'contacts' } });
  });

  it('reactions and system notices start no turn', () => {
    expect(contentOf({ type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '👍' } })).toEqual({ ignore: 'a reaction to an earlier message' });
    expect(contentOf({ type: 'system', system: { body: 'changed number' } })).toEqual({ ignore: 'a system notice (such as a changed number)' });
  });
});
