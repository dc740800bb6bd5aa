import { NexusError, type OutboundMessage } from '@nexusflow/engine';

/** Limits of the Cloud API's message kinds (Graph answers 400 past them). */
export const LIMITS = { text: 4096, caption: 1024, interactiveBody: 1024, buttonTitle: 20, buttonId: 256, replyButtons: 3 } as const;

export type MediaKind = 'image' | 'audio' | 'video' | 'document';

/** One Graph API message (`POST /{phone-number-id}/messages` body). */
export interface GraphMessage {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  type: 'text' | MediaKind | 'interactive';
  [kind: string]: unknown;
}

const EXTENSIONS: Record<string, MediaKind> = {
  jpg: 'image', jpeg: 'image', png: 'image', webp: 'image',
  mp3: 'audio', ogg: 'audio', opus: 'audio', m4a: 'audio', aac: 'audio', amr: 'audio',
  mp4: 'video', '3gp': 'video',
};

/** The Cloud API's media kind for a flow's media: its declared type, else guessed from the URL's extension. */
export function mediaKindOf(media: NonNullable<OutboundMessage['media']>): MediaKind {
  if (media.type === 'file') return 'document';
  if (media.type !== undefined) return media.type;
  let pathname = media.url;
  try {
    pathname = new URL(media.url).pathname;
  } catch {
    // not a URL: guess from the text as given
  }
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(pathname)?.[1]?.toLowerCase();
  return (extension === undefined ? undefined : EXTENSIONS[extension]) ?? 'document';
}

/** Splits text into pieces of at most `limit` characters, preferring to cut at a line break or space. */
export function splitText(text: string, limit: number = LIMITS.text): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const end = cut > limit / 2 ? cut : limit;
    pieces.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

const clip = (text: string, limit: number) => (text.length <= limit ? text : `${text.slice(0, limit - 1)}…`);

/**
 * The Graph API messages that carry one flow message to `to`, in order: usually one. Reply buttons
 * (up to 3) become an interactive message, with an image, video or document as its header; more
 * buttons become a numbered list in the text. Media carries the text as its caption when it fits.
 * Text longer than WhatsApp allows is split.
 */
export function graphMessagesOf(to: string, message: OutboundMessage): GraphMessage[] {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to } as const;
  const buttons = (message.buttons ?? []).filter((button) => button.title.trim() !== '');
  let text = message.text ?? '';
  if (buttons.length > LIMITS.replyButtons) {
    text = [text, buttons.map((button, index) => `${index + 1}. ${button.title}`).join('\n')].filter((part) => part !== '').join('\n\n');
  }
  const media = message.media === undefined || message.media.url === '' ? undefined : { kind: mediaKindOf(message.media), link: message.media.url };
  const parts: GraphMessage[] = [];
  const textParts = (value: string) => splitText(value).map((body): GraphMessage => ({ ...base, type: 'text', text: { body } }));

  if (buttons.length > 0 && buttons.length <= LIMITS.replyButtons) {
    const headerMedia = media !== undefined && media.kind !== 'audio' ? media : undefined;
    if (media !== undefined && headerMedia === undefined) parts.push({ ...base, type: media.kind, [media.kind]: { link: media.link } });
    let body = text;
    if (body.length > LIMITS.interactiveBody) {
      parts.push(...textParts(body));
      body = '';
    }
    parts.push({
      ...base,
      type: 'interactive',
      interactive: {
        type: 'button',
        ...(headerMedia === undefined ? {} : { header: { type: headerMedia.kind, [headerMedia.kind]: { link: headerMedia.link } } }),
        // WhatsApp requires a body; buttons sent without text get a neutral prompt.
        body: { text: body === '' ? 'Choose one:' : body },
        action: {
          buttons: buttons.map((button) => ({ type: 'reply', reply: { id: clip(button.payload ?? button.title, LIMITS.buttonId), title: clip(button.title, LIMITS.buttonTitle) } })),
        },
      },
    });
    return parts;
  }
  if (media !== undefined) {
    const captioned = media.kind !== 'audio' && text !== '' && text.length <= LIMITS.caption;
    parts.push({ ...base, type: media.kind, [media.kind]: { link: media.link, ...(captioned ? { caption: text } : {}) } });
    if (!captioned && text !== '') parts.push(...textParts(text));
    return parts;
  }
  if (text === '') throw new NexusError('invalid_message', 'the message to send on WhatsApp has no text, media or buttons; give the reply a text');
  return textParts(text);
}
