import { NexusError } from '@nexusflow/engine';
import { describe, expect, it } from 'vitest';
import { checkWhatsAppCloudConfig } from './config.js';
import { graphMessagesOf, LIMITS, mediaKindOf, splitText } from './outbound.js';

const TO = '16505551234';
const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: TO };

describe('Graph API messages for a flow message', () => {
  it('text as one text message', () => {
    expect(graphMessagesOf(TO, { text: 'Hello WORLD!' })).toEqual([{ ...base, type: 'text', text: { body: 'Hello WORLD!' } }]);
  });

  it('up to 3 buttons as an interactive reply-button message; an image as its header', () => {
    const message = { text: 'Pick one', buttons: [{ title: 'Yes', payload: 'yes' }, { title: 'No' }, { title: 'A title longer than twenty characters' }], media: { url: 'https://cdn.example.com/a.png' } };
    expect(graphMessagesOf(TO, message)).toEqual([
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'button',
          header: { type: 'image', image: { link: 'https://cdn.example.com/a.png' } },
          body: { text: 'Pick one' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'yes', title: 'Yes' } },
              { type: 'reply', reply: { id: 'No', title: 'No' } },
              { type: 'reply', reply: { id: 'A title longer than twenty characters', title: 'A title longer than…' } },
            ],
          },
        },
      },
    ]);
    const [reply] = graphMessagesOf(TO, { buttons: [{ title: 'Go' }] });
    expect((reply!.interactive as { body: unknown }).body).toEqual({ text: 'Choose one:' });
  });

  it('more than 3 buttons as a numbered list in the text', () => {
    const buttons = ['Red', 'Green', 'Blue', 'Black'].map((title) => ({ title }));
    expect(graphMessagesOf(TO, { text: 'Which colour?', buttons })).toEqual([{ ...base, type: 'text', text: { body: 'Which colour?\n\n1. Red\n2. Green\n3. Blue\n4. Black' } }]);
  });

  it('media with its text as caption; audio, which has no caption, with the text after it', () => {
    expect(graphMessagesOf(TO, { text: 'the menu', media: { url: 'https://cdn.example.com/menu.pdf', type: 'file' } })).toEqual([
      { ...base, type: 'document', document: { link: 'https://cdn.example.com/menu.pdf', caption: 'the menu' } },
    ]);
    expect(graphMessagesOf(TO, { text: 'listen', media: { url: 'https://cdn.example.com/voice.ogg' } })).toEqual([
      { ...base, type: 'audio', audio: { link: 'https://cdn.example.com/voice.ogg' } },
      { ...base, type: 'text', text: { body: 'listen' } },
    ]);
    const longCaption = 'x'.repeat(LIMITS.caption + 1);
    expect(graphMessagesOf(TO, { text: longCaption, media: { url: 'https://cdn.example.com/a.mp4' } }).map((m) => m.type)).toEqual(['video', 'text']);
  });

  it('text longer than WhatsApp allows in several messages, cut at spaces', () => {
    const words = Array.from({ length: 1200 }, (_, i) => `word${i}`).join(' ');
    const parts = graphMessagesOf(TO, { text: words });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect((part.text as { body: string }).body.length).toBeLessThanOrEqual(LIMITS.text);
    expect(parts.map((part) => (part.text as { body: string }).body).join(' ')).toBe(words);
    expect(splitText('a'.repeat(10), 4)).toEqual(['aaaa', 'aaaa', 'aa']);
  });

  it('refuses an empty message clearly', () => {
    expect(() => graphMessagesOf(TO, {})).toThrow(NexusError);
    expect(() => graphMessagesOf(TO, { text: '' })).toThrow(/has no text, media or buttons/);
  });

  it('guesses the media kind from the extension when the flow gives none', () => {
    expect(mediaKindOf({ url: 'https://x.example/p.JPG?size=2' })).toBe('image');
    expect(mediaKindOf({ url: 'https://x.example/clip.mp4' })).toBe('video');
    expect(mediaKindOf({ url: 'https://x.example/file' })).toBe('document');
    expect(mediaKindOf({ url: 'https://x.example/p.png', type: 'audio' })).toBe('audio');
  });
});

describe('connection settings', () => {
  const complete = { phoneNumberId: '106540352242922', verifyToken: 'verify-token-1', appSecret: 'app-secret', accessToken: 'EAAG-token' };

  it('fills the Graph address and version, also from a base URL that ends in a version', () => {
    expect(checkWhatsAppCloudConfig(complete)).toEqual({ ok: true, config: { ...complete, graphBaseUrl: 'https://graph.facebook.com', apiVersion: 'v21.0' } });
    const local = checkWhatsAppCloudConfig({ ...complete, graphBaseUrl: 'http://127.0.0.1:9999/v20.0/' });
    expect(local).toMatchObject({ ok: true, config: { graphBaseUrl: 'http://127.0.0.1:9999', apiVersion: 'v20.0' } });
  });

  it('names every missing or malformed field with where to find it', () => {
    const result = checkWhatsAppCloudConfig({ phoneNumberId: '+1 650 555', verifyToken: 42, graphBaseUrl: 'ftp://x', apiVersion: '21' });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      'verifyToken must be a string',
      'appSecret is missing: set it to the "App secret" under App settings > Basic in your Meta app',
      "accessToken is missing: set it to a system user's access token with the whatsapp_business_messaging permission",
      'phoneNumberId must be the digits of the "Phone number ID" in Meta\'s API setup (not the phone number with + or spaces)',
      'graphBaseUrl must be an http(s) URL without credentials, such as https://graph.facebook.com',
      'apiVersion must look like v21.0',
    ]);
  });
});
