import { createHash } from 'node:crypto';
import type { ChannelMessage, ChannelMessageRepository } from '../store/types.js';

/**
 * What the WhatsApp adapters (Web and Cloud API) share about `store.channelMessages`: the order of
 * statuses `advance` moves along, the chat's idempotency id of an inbound message, and the inbox
 * entries a crash left unfinished.
 */

const INBOUND_RANK: Record<string, number> = { received: 0, processing: 1, done: 2, ignored: 2, failed: 2 };
/** Forward-only order of an inbox entry's statuses: `done`, `ignored` and `failed` are all final. */
export const inboundRank = (status: string): number => INBOUND_RANK[status] ?? -1;

const SEND_RANK: Record<string, number> = { pending: 0, failed: 1, sent: 2, delivered: 3, read: 4 };
/**
 * Forward-only order of our own send attempts: a `failed` attempt (refused, or not confirmed) may be
 * retried, so `sent` ranks above it. (The Cloud API's delivery reports, where `failed` is final, use
 * their own order.)
 */
export const sendRank = (status: string): number => SEND_RANK[status] ?? -1;

/** The chat service's idempotency id (`^[A-Za-z0-9_-]{1,64}$`) for a WhatsApp message id: re-processing runs the turn once. */
export function clientMessageIdOf(whatsappId: string): string {
  return `wa_${createHash('sha256').update(whatsappId).digest('base64url').slice(0, 40)}`;
}

/**
 * The inbox entries of one connection left `received` or `processing` (by a crash or a stop), in
 * each contact's order: the provider's timestamps (whole seconds), then arrival.
 */
export async function unfinishedInbound(messages: ChannelMessageRepository, connectionId: string, limit: number): Promise<ChannelMessage[]> {
  return [...(await messages.listByStatus(connectionId, 'in', 'received', limit)), ...(await messages.listByStatus(connectionId, 'in', 'processing', limit))].sort((a, b) => (a.providerAt ?? a.createdAt) - (b.providerAt ?? b.createdAt) || a.createdAt - b.createdAt);
}
