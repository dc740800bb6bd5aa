import type { WhatsAppMessageLike } from './types.js';

/** A connection's inbound settings (`ChannelConnection.config`). */
export interface InboundConfig {
  ignoreGroups: boolean;
  ignoreOwn: boolean;
}

export function inboundConfigOf(config: Record<string, unknown>): InboundConfig {
  return { ignoreGroups: config.ignoreGroups !== false, ignoreOwn: config.ignoreOwn !== false };
}

/** Reads an event argument as a message; `undefined` when it does not look like one. */
export function asMessage(value: unknown): WhatsAppMessageLike | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Partial<WhatsAppMessageLike>;
  if (typeof m.id !== 'object' || m.id === null || typeof m.id._serialized !== 'string' || m.id._serialized.length === 0) return undefined;
  if (typeof m.from !== 'string') return undefined;
  return m as WhatsAppMessageLike;
}

/** Message types that are notices, not something a person wrote. */
const NOTICE_TYPES = new Set(['e2e_notification', 'notification', 'notification_template', 'gp2', 'call_log', 'protocol', 'revoked', 'ciphertext', 'broadcast_notification', 'group_notification']);

export type InboundVerdict = { accept: true; contact: string; name?: string } | { accept: false; reason: string };

/**
 * Whether a message starts a turn, and for which contact. Never: status updates, broadcasts and
 * channels, notices, the bot's own sends (`isOurs`: no reply loop, whatever the config says).
 * Groups and the account's other own messages only when the connection's config asks for them.
 */
export function judgeInbound(message: WhatsAppMessageLike, config: InboundConfig, isOurs: boolean): InboundVerdict {
  if (message.isStatus === true || message.from === 'status@broadcast' || message.to === 'status@broadcast') return { accept: false, reason: 'status update' };
  if (message.type !== undefined && NOTICE_TYPES.has(message.type)) return { accept: false, reason: `notice (${message.type})` };
  if ((message.body ?? '').length === 0 && message.hasMedia !== true) return { accept: false, reason: 'empty message' };
  if (message.fromMe) {
    if (isOurs) return { accept: false, reason: 'sent by this bot' };
    if (config.ignoreOwn) return { accept: false, reason: 'own message (ignoreOwn)' };
  }
  // An own message's chat is where it went; anyone else's is where it came from.
  const chat = message.fromMe ? (message.to ?? message.from) : message.from;
  if (/@(broadcast|newsletter)$/.test(chat)) return { accept: false, reason: 'broadcast or channel' };
  if (chat.endsWith('@g.us') && config.ignoreGroups) return { accept: false, reason: 'group message (ignoreGroups)' };
  const name = message._data?.notifyName;
  return typeof name === 'string' && name.length > 0 ? { accept: true, contact: chat, name } : { accept: true, contact: chat };
}

export { clientMessageIdOf } from '../inbox.js';
