import type { WhatsAppMessageLike } from './types.js';

const MAX_REMEMBERED = 2_000;

/**
 * Recognises the bot's own sends when WhatsApp echoes them back as `message_create`, so they never
 * start a turn (a reply loop). The echo can arrive before `sendMessage` resolves (then the send is
 * still in flight: same chat, same body) or after (then its id is remembered). The sent-key table
 * (`byProviderId`) covers sends of an earlier process.
 */
export function createOwnMessages() {
  const inFlight = new Set<{ chatId: string; body: string }>();
  const ids = new Set<string>();
  return {
    /** A send is about to go out; call the answer once it settled. */
    begin(chatId: string, body: string): () => void {
      const entry = { chatId, body };
      inFlight.add(entry);
      return () => inFlight.delete(entry);
    },
    remember(id: string): void {
      ids.add(id);
      if (ids.size > MAX_REMEMBERED) ids.delete(ids.values().next().value!);
    },
    isOurs(message: WhatsAppMessageLike): boolean {
      if (!message.fromMe) return false;
      if (ids.has(message.id._serialized)) return true;
      for (const entry of inFlight) if (entry.chatId === message.to && entry.body === message.body) return true;
      return false;
    },
  };
}
export type OwnMessages = ReturnType<typeof createOwnMessages>;
