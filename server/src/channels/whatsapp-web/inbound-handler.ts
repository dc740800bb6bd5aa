import type { Logger } from 'pino';
import type { InboundMessage } from '../../chat/chat-service.js';
import type { ChannelConnection, ChannelMessage, ChannelMessageRepository } from '../../store/types.js';
import { clientMessageIdOf, inboundRank, unfinishedInbound } from '../inbox.js';
import type { ChannelInbound } from '../types.js';
import type { createButtonReplies } from './button-replies.js';
import { errorText } from './disconnect-reasons.js';
import { asMessage, judgeInbound, type InboundConfig } from './inbound-filter.js';
import type { OwnMessages } from './own-messages.js';
import type { WhatsAppMessageLike } from './types.js';

/** What an inbox row keeps to hand the message over again after a crash. */
interface StoredInbound {
  contact: { externalId: string; name?: string };
  message: InboundMessage;
}

export interface InboundHandlerDeps {
  connection: ChannelConnection;
  config: InboundConfig;
  inbound: ChannelInbound;
  messages: ChannelMessageRepository;
  own: OwnMessages;
  buttons: ReturnType<typeof createButtonReplies>;
  log: Logger;
}

/**
 * Inbound WhatsApp messages to turns: filtered (judgeInbound), recorded once per WhatsApp id in the
 * inbox (the real client fires `message_create` and `message` for the same message, and may fire
 * again after a reconnect), handed to `ChannelInbound.receive` one at a time per contact, in order,
 * and marked done or failed. Nothing here throws out: failures are logged and recorded.
 */
export function createInboundHandler(deps: InboundHandlerDeps) {
  const { connection, messages, log } = deps;
  const chains = new Map<string, Promise<void>>();

  /** Runs `job` after the contact's earlier messages. */
  function inOrder(contact: string, job: () => Promise<void>): Promise<void> {
    const run = (chains.get(contact) ?? Promise.resolve()).then(job).catch((error: unknown) => log.error({ err: error, contact }, 'whatsapp: inbound message failed'));
    chains.set(contact, run);
    void run.then(() => {
      if (chains.get(contact) === run) chains.delete(contact);
    });
    return run;
  }

  async function isOurs(message: WhatsAppMessageLike): Promise<boolean> {
    if (!message.fromMe) return false;
    if (deps.own.isOurs(message)) return true;
    return (await messages.byProviderId(connection.id, message.id._serialized)) !== undefined;
  }

  async function accept(raw: unknown): Promise<void> {
    const message = asMessage(raw);
    if (message === undefined) {
      log.warn('whatsapp: an event carried something that is not a message; ignored');
      return;
    }
    const verdict = judgeInbound(message, deps.config, await isOurs(message));
    if (!verdict.accept) {
      log.debug({ id: message.id._serialized, reason: verdict.reason }, 'whatsapp: message ignored');
      return;
    }
    const contact = verdict.name === undefined ? { externalId: verdict.contact } : { externalId: verdict.contact, name: verdict.name };
    await inOrder(verdict.contact, async () => {
      const key = message.id._serialized;
      if ((await messages.get(connection.id, 'in', key)) !== undefined) return duplicate(key);
      const pressed = message.fromMe ? undefined : deps.buttons.match(verdict.contact, message.body);
      const inboundMessage: InboundMessage = { text: pressed?.title ?? message.body, clientMessageId: clientMessageIdOf(key) };
      if (pressed?.payload !== undefined) inboundMessage.payload = pressed.payload;
      const stored: StoredInbound = { contact, message: inboundMessage };
      const { message: row, created } = await messages.record({
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        direction: 'in',
        key,
        contactExternalId: verdict.contact,
        status: 'received',
        payload: { ...stored, whatsapp: { from: message.from, to: message.to, author: message.author, type: message.type, hasMedia: message.hasMedia } },
        ...(typeof message.timestamp === 'number' ? { providerAt: message.timestamp * 1000 } : {}),
      });
      if (!created) return duplicate(key);
      await hand(row, stored);
    });
  }

  function duplicate(key: string): void {
    log.debug({ id: key }, 'whatsapp: duplicate message dropped');
  }

  /** Hands one inbox message to the chat service and records how it ended. */
  async function hand(row: ChannelMessage, stored: StoredInbound): Promise<void> {
    await messages.advance(row.id, 'processing', inboundRank);
    try {
      await deps.inbound.receive(connection, stored.contact, stored.message);
      await messages.advance(row.id, 'done', inboundRank);
    } catch (error) {
      log.error({ err: error, id: row.key }, 'whatsapp: the turn of an inbound message failed');
      await messages.advance(row.id, 'failed', inboundRank, { error: errorText(error).slice(0, 500) });
    }
  }

  return {
    /** The `message` / `message_create` listener's work; never rejects. */
    async onMessage(raw: unknown): Promise<void> {
      try {
        await accept(raw);
      } catch (error) {
        log.error({ err: error }, 'whatsapp: inbound message could not be handled');
      }
    },
    /**
     * Hands over again the messages of this connection a crash left received but unfinished (before
     * `before`). The chat service's clientMessageId makes a turn that had already run a no-op.
     */
    async recover(before: number): Promise<number> {
      let recovered = 0;
      try {
        const rows = (await unfinishedInbound(messages, connection.id, 500)).filter((m) => m.createdAt < before);
        for (const row of rows) {
          const stored = row.payload as Partial<StoredInbound>;
          if (stored.contact === undefined || stored.message === undefined) continue;
          recovered += 1;
          void inOrder(stored.contact.externalId, () => hand(row, stored as StoredInbound));
        }
      } catch (error) {
        log.error({ err: error }, 'whatsapp: could not recover unfinished inbound messages');
      }
      if (recovered > 0) log.info({ recovered }, 'whatsapp: unfinished inbound messages handed over again');
      return recovered;
    },
  };
}
