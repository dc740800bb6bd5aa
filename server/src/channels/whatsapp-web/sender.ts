import { NexusError } from '@nexusflow/engine';
import type { Logger } from 'pino';
import type { ChannelConnection, ChannelMessage, ChannelMessageRepository } from '../../store/types.js';
import { sendRank } from '../inbox.js';
import type { ChannelDelivery } from '../types.js';
import type { createButtonReplies } from './button-replies.js';
import { errorText, isSessionClosed } from './disconnect-reasons.js';
import { chatIdOf, findEarlierDelivery, renderMessage, type RenderedMessage } from './outbound.js';
import type { OwnMessages } from './own-messages.js';
import { createPacer, createSerialQueue } from './pacing.js';
import { createSendLimits } from './send-limits.js';
import type { SendLimits, Timers, WhatsAppClientLike, WhatsAppMediaLike } from './types.js';

/** The client to send with, while the connection is ready; throws `channel_unavailable` otherwise. */
export type ReadyClient = () => { client: WhatsAppClientLike; generation: number };

export interface SenderDeps {
  connection: ChannelConnection;
  messages: ChannelMessageRepository;
  limits: SendLimits;
  now: () => number;
  timers: Timers;
  log: Logger;
  readyClient: ReadyClient;
  /** The page behind the client died during a call: reconnect. */
  onSessionClosed: (generation: number, error: unknown) => void;
  own: OwnMessages;
  buttons: ReturnType<typeof createButtonReplies>;
  checkMediaUrl: (url: URL) => Promise<void> | void;
}

/**
 * Outbound messages of one connection: one at a time, paced, capped, and at most once per
 * idempotency key. The sent-key row is written just before `sendMessage` is called, so a row that
 * is not `sent` means "may have gone out": a retry first looks for it in the chat (W-10).
 */
export function createSender(deps: SenderDeps) {
  const { connection, messages, log } = deps;
  const queue = createSerialQueue();
  const pacer = createPacer(deps.limits.minIntervalMs, deps.now, deps.timers);
  const caps = createSendLimits({ messages, connectionId: connection.id, limits: deps.limits, now: deps.now });

  async function deliver(delivery: ChannelDelivery, chatId: string, rendered: RenderedMessage): Promise<void> {
    const existing = await messages.get(connection.id, 'out', delivery.key);
    if (existing !== undefined && sendRank(existing.status) >= sendRank('sent')) return;
    if (existing !== undefined) {
      if (await foundEarlier(existing, chatId, rendered)) return;
    } else {
      deps.readyClient();
      await caps.admit(chatId);
    }
    await pacer.wait();
    const { client, generation } = deps.readyClient();
    const media = rendered.mediaUrl === undefined ? undefined : await loadMedia(client, rendered.mediaUrl);
    let row = existing;
    if (row === undefined) {
      const recorded = await messages.record({
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        direction: 'out',
        key: delivery.key,
        contactExternalId: chatId,
        status: 'pending',
        payload: { sessionId: delivery.sessionId, from: delivery.from, message: { ...delivery.message } },
      });
      row = recorded.message;
      if (!recorded.created && sendRank(row.status) >= sendRank('sent')) return;
    }
    await sendOnce(client, generation, row, chatId, rendered, media, delivery);
  }

  async function foundEarlier(row: ChannelMessage, chatId: string, rendered: RenderedMessage): Promise<boolean> {
    const { client, generation } = deps.readyClient();
    let found: string | undefined | 'unknown';
    try {
      found = await findEarlierDelivery(client, { messages, connectionId: connection.id }, chatId, rendered, row.createdAt);
    } catch (error) {
      throw callFailed(generation, error, `could not check whether an earlier attempt of this message reached ${chatId}`);
    }
    if (found === 'unknown') {
      throw new NexusError(
        'channel_send_failed',
        `an earlier attempt of this WhatsApp message to ${chatId} may have been delivered, and this client cannot read the chat to check; it is not sent again, to avoid a duplicate`,
      );
    }
    if (found === undefined) return false;
    log.info({ key: row.key, providerId: found }, 'whatsapp: the earlier attempt of this send was delivered; not sending it again');
    deps.own.remember(found);
    await messages.advance(row.id, 'sent', sendRank, { providerId: found });
    return true;
  }

  async function loadMedia(client: WhatsAppClientLike, url: string): Promise<WhatsAppMediaLike> {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`the scheme ${parsed.protocol} is not allowed; use http or https`);
      await deps.checkMediaUrl(parsed);
      if (client.mediaFromUrl === undefined) throw new Error('this WhatsApp client cannot load media');
      return await client.mediaFromUrl(parsed.href);
    } catch (error) {
      throw new NexusError('channel_send_failed', `WhatsApp media ${JSON.stringify(url.slice(0, 200))} could not be loaded (${errorText(error)}); the message was not sent`);
    }
  }

  async function sendOnce(
    client: WhatsAppClientLike,
    generation: number,
    row: ChannelMessage,
    chatId: string,
    rendered: RenderedMessage,
    media: WhatsAppMediaLike | undefined,
    delivery: ChannelDelivery,
  ): Promise<void> {
    const settle = deps.own.begin(chatId, rendered.body);
    try {
      const sent =
        media === undefined
          ? await client.sendMessage(chatId, rendered.body)
          : await client.sendMessage(chatId, media, rendered.body.length > 0 ? { caption: rendered.body } : undefined);
      const providerId = typeof sent?.id?._serialized === 'string' ? sent.id._serialized : undefined;
      if (providerId !== undefined) deps.own.remember(providerId);
      await messages.advance(row.id, 'sent', sendRank, providerId === undefined ? {} : { providerId });
      deps.buttons.offer(chatId, delivery.message.buttons);
    } catch (error) {
      // The client may have handed it to WhatsApp before failing: the row stays "not sent" and a retry checks the chat.
      await messages.advance(row.id, 'failed', sendRank, { error: errorText(error).slice(0, 500) }).catch((e: unknown) => log.error({ err: e }, 'whatsapp: could not record a failed send'));
      throw callFailed(generation, error, `WhatsApp did not confirm the message to ${chatId}; a retry with the same key checks the chat first and does not send it twice`);
    } finally {
      settle();
      pacer.sent();
    }
  }

  /** Turns a failed client call into the send's error; a closed page also means reconnecting. */
  function callFailed(generation: number, error: unknown, what: string): NexusError {
    if (error instanceof NexusError) return error;
    log.warn({ err: error }, `whatsapp: ${what}`);
    if (isSessionClosed(error)) {
      deps.onSessionClosed(generation, error);
      return new NexusError('channel_unavailable', `${what}: the WhatsApp Web page closed (${errorText(error).slice(0, 120)}); reconnecting`);
    }
    return new NexusError('channel_send_failed', `${what} (${errorText(error).slice(0, 200)})`);
  }

  return {
    /** Queues one message; resolves once it went out (or had gone out before). */
    send(delivery: ChannelDelivery): Promise<void> {
      const chatId = chatIdOf(delivery.contactExternalId);
      const rendered = renderMessage(delivery.message);
      // Readiness is checked in the queue, after the key: a retry of a message that went out succeeds even while reconnecting.
      return queue.run(() => deliver(delivery, chatId, rendered));
    },
  };
}
