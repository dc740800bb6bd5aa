import { NexusError, type OutboundMessage } from '@nexusflow/engine';
import type { ChannelMessageRepository } from '../../store/types.js';
import type { WhatsAppClientLike, WhatsAppMessageLike } from './types.js';

/** WhatsApp ids the adapter sends to: people (`@c.us`, `@lid`) and, when enabled, groups (`@g.us`). */
const CHAT_ID = /^[0-9A-Za-z._:-]{1,64}@(c\.us|g\.us|lid|s\.whatsapp\.net)$/;

/** The chat id of a contact: a WhatsApp id, or a bare phone number in international form. */
export function chatIdOf(contactExternalId: string): string {
  if (/^\+?[0-9]{6,20}$/.test(contactExternalId)) return `${contactExternalId.replace(/^\+/, '')}@c.us`;
  if (CHAT_ID.test(contactExternalId)) return contactExternalId;
  throw new NexusError(
    'invalid_message',
    `cannot send to ${JSON.stringify(contactExternalId.slice(0, 80))} on WhatsApp: the contact must be a WhatsApp id such as "15551234567@c.us" or a phone number with its country code`,
  );
}

export interface RenderedMessage {
  /** The text, or the media's caption; buttons appended as a numbered list. */
  body: string;
  mediaUrl?: string;
}

/**
 * Buttons of whatsapp-web.js are deprecated (WhatsApp drops them for non-business accounts), so
 * they go out as a numbered list the contact answers with a number (see button-replies.ts).
 */
export function renderMessage(message: OutboundMessage): RenderedMessage {
  const parts: string[] = [];
  if (message.text !== undefined && message.text.length > 0) parts.push(message.text);
  if (message.buttons !== undefined && message.buttons.length > 0) {
    parts.push(message.buttons.map((button, index) => `${index + 1}. ${button.title}`).join('\n'));
  }
  const body = parts.join('\n\n');
  if (message.media !== undefined) return { body, mediaUrl: message.media.url };
  if (body.length === 0) throw new NexusError('invalid_message', 'a WhatsApp message needs text, buttons or media; this one has none');
  return { body };
}

/** Newest of our messages to look through when an earlier attempt's outcome is unknown. */
const LOOKBACK = 30;
/** Phone and server clocks differ; a message this much older than the attempt still counts. */
const CLOCK_SKEW_MS = 2 * 60_000;

/**
 * W-10: an earlier attempt of this send failed in a way that may have delivered it (the client
 * took it, then timed out or lost the page). Looks for it among our newest messages in the chat:
 * same body, media or not as expected, stamped after the attempt began, and not already claimed by
 * another send. Answers its id, `undefined` when it is not there, or `unknown` when the chat
 * cannot be read.
 */
export async function findEarlierDelivery(
  client: WhatsAppClientLike,
  deps: { messages: ChannelMessageRepository; connectionId: string },
  chatId: string,
  expected: RenderedMessage,
  attemptedSince: number,
): Promise<string | undefined | 'unknown'> {
  if (client.getChatById === undefined) return 'unknown';
  const chat = await client.getChatById(chatId);
  if (chat === undefined) return undefined;
  const recent = await chat.fetchMessages({ limit: LOOKBACK, fromMe: true });
  for (const message of [...recent].reverse()) {
    if (!isSameMessage(message, expected, attemptedSince)) continue;
    const claimed = await deps.messages.byProviderId(deps.connectionId, message.id._serialized);
    if (claimed === undefined) return message.id._serialized;
  }
  return undefined;
}

function isSameMessage(message: WhatsAppMessageLike, expected: RenderedMessage, since: number): boolean {
  if (message.fromMe !== true) return false;
  if ((message.body ?? '') !== expected.body) return false;
  if (expected.mediaUrl !== undefined && message.hasMedia === false) return false;
  if (expected.mediaUrl === undefined && message.hasMedia === true) return false;
  return message.timestamp === undefined || message.timestamp * 1000 >= since - CLOCK_SKEW_MS;
}
