import { NexusError } from '@nexusflow/engine';
import type { Logger } from 'pino';
import { MAX_MESSAGE_CHARS } from '../../chat/chat-service.js';
import type { ChannelConnection, ChannelMessage, ChannelMessageRepository } from '../../store/types.js';
import { clientMessageIdOf, inboundRank, sendRank, unfinishedInbound } from '../inbox.js';
import type { ChannelAdapter, ChannelDelivery, ChannelInbound, ChannelStatus } from '../types.js';
import { checkWhatsAppCloudConfig, type WhatsAppCloudConfig } from './config.js';
import { createGraphClient, type GraphClient } from './graph-client.js';
import { graphMessagesOf } from './outbound.js';
import { contentOf } from './payload.js';
import { acceptWebhook, DEFAULT_RETENTION_MS, type WebhookOutcome } from './webhook.js';

/** WhatsApp's customer-service window: free-form messages only within 24 h of the contact's last message. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Inbox entries looked at when the adapter starts (left `received` or `processing` by a crash). */
const RECOVERY_BATCH = 10_000;

export interface WhatsAppCloudAdapterOptions {
  connection: ChannelConnection;
  inbound: ChannelInbound;
  messages: ChannelMessageRepository;
  /** Bound to the connection by the caller (its lines carry no connection id of their own). */
  logger: Logger;
  now?: () => number;
  /** How long message ids are remembered, and how old a message may be before it is a replay. Default 7 days. */
  retentionMs?: number;
  fetch?: typeof fetch;
}

/** A WhatsApp Business Cloud API phone number: webhooks in, Graph API out. */
export interface WhatsAppCloudAdapter extends ChannelAdapter {
  readonly kind: 'whatsapp-cloud';
  /**
   * One webhook delivery (raw body bytes and its `X-Hub-Signature-256`): checked, written to the
   * inbox, and answered; processing follows after the answer. Refusals come back as `ok: false`.
   */
  accept(rawBody: Buffer | undefined, signature: string | string[] | undefined): Promise<WebhookOutcome>;
  /** Processes the inbox entries a crash (or a stopped adapter) left `received` or `processing`. */
  processPending(): Promise<void>;
  /** Resolves once no inbox entry is being processed (for tests and orderly shutdown). */
  idle(): Promise<void>;
}

export function isWhatsAppCloudAdapter(adapter: ChannelAdapter | undefined): adapter is WhatsAppCloudAdapter {
  return adapter?.kind === 'whatsapp-cloud' && typeof (adapter as Partial<WhatsAppCloudAdapter>).accept === 'function';
}

export { clientMessageIdOf };

/**
 * The adapter of one `whatsapp-cloud` connection. Webhook messages are recorded in the durable
 * inbox before Meta gets its 200 and processed afterwards, one at a time per contact, moving
 * `received` -> `processing` -> `done`/`ignored`/`failed`. Sends go through the Graph API once per
 * idempotency key and only inside the 24-hour window.
 */
export function createWhatsAppCloudAdapter(options: WhatsAppCloudAdapterOptions): WhatsAppCloudAdapter {
  const { connection, inbound, messages } = options;
  const now = options.now ?? Date.now;
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const logger = options.logger;
  const settings = checkWhatsAppCloudConfig(connection.config);
  const graph: GraphClient | undefined = settings.ok ? createGraphClient(settings.config, options.fetch) : undefined;

  let running = false;
  let current: ChannelStatus = { state: 'stopped', since: now() };
  /** Inbox entries being processed here (a recovered entry must not run twice in this process). */
  const inFlight = new Set<string>();
  /** The tail of each contact's processing: a contact's messages run in order. */
  const chains = new Map<string, Promise<void>>();
  /** Sends in progress by key: the same delivery sent twice at once goes out once. */
  const sending = new Map<string, Promise<void>>();

  function setStatus(state: ChannelStatus['state'], detail?: string): void {
    current = { state, since: now(), ...(detail === undefined ? {} : { detail }) };
    inbound.statusChanged(connection, current);
  }

  function schedule(entry: ChannelMessage): void {
    if (inFlight.has(entry.id)) return;
    inFlight.add(entry.id);
    const contact = entry.contactExternalId;
    // setImmediate: the webhook's 200 is written before processing begins (W-07).
    const tail = (chains.get(contact) ?? Promise.resolve())
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => processEntry(entry))
      .catch((error: unknown) => logger.error({ err: error, messageId: entry.id }, 'whatsapp-cloud: processing an inbox entry failed'))
      .finally(() => {
        inFlight.delete(entry.id);
        if (chains.get(contact) === tail) chains.delete(contact);
      });
    chains.set(contact, tail);
  }

  async function processEntry(entry: ChannelMessage): Promise<void> {
    // A stopped adapter leaves the entry where it is; the next start picks it up.
    if (!running) return;
    if (entry.status === 'received') {
      const claim = await messages.advance(entry.id, 'processing', inboundRank);
      if (!claim.moved) return;
    }
    const raw = entry.payload.message;
    const content = contentOf(typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {});
    if ('ignore' in content) {
      logger.info({ wamid: entry.key, reason: content.ignore }, 'whatsapp-cloud: message starts no turn');
      await messages.advance(entry.id, 'ignored', inboundRank);
      return;
    }
    const name = typeof entry.payload.name === 'string' ? entry.payload.name : undefined;
    try {
      await inbound.receive(
        connection,
        { externalId: entry.contactExternalId, ...(name === undefined ? {} : { name }) },
        { text: content.text.slice(0, MAX_MESSAGE_CHARS), clientMessageId: clientMessageIdOf(entry.key), ...(content.payload === undefined ? {} : { payload: content.payload }) },
      );
      await messages.advance(entry.id, 'done', inboundRank);
    } catch (error) {
      // Stopping mid-turn (shutdown) is not the message's fault: it stays `processing` for the next start.
      if (!running || (error instanceof NexusError && error.code === 'runtime_closed')) {
        logger.info({ wamid: entry.key, err: error }, 'whatsapp-cloud: stopped while processing; the message is processed at the next start');
        return;
      }
      logger.error({ wamid: entry.key, err: error }, 'whatsapp-cloud: the turn for a message failed');
      await messages.advance(entry.id, 'failed', inboundRank, { error: (error as Error).message ?? String(error) });
    }
  }

  async function processPending(): Promise<void> {
    if (!running) return;
    const left = await unfinishedInbound(messages, connection.id, RECOVERY_BATCH);
    if (left.length > 0) logger.info({ count: left.length }, 'whatsapp-cloud: processing inbox entries left from before');
    for (const entry of left) schedule(entry);
  }

  async function checkWindow(config: WhatsAppCloudConfig, to: string): Promise<void> {
    const last = await messages.lastInbound(connection.id, to);
    const lastAt = last === undefined ? undefined : (last.providerAt ?? last.createdAt);
    if (lastAt !== undefined && now() - lastAt <= SERVICE_WINDOW_MS) return;
    const why = lastAt === undefined ? `${to} has not written to ${config.phoneNumberId} yet` : `${to} last wrote ${Math.floor((now() - lastAt) / 3_600_000)} hours ago`;
    throw new NexusError(
      'channel_window_closed',
      `WhatsApp only allows free-form messages within 24 hours of the contact's last message; ${why}. Nothing was sent: use an approved template (from WhatsApp Manager), or answer once the contact writes again`,
    );
  }

  async function deliver(delivery: ChannelDelivery, client: GraphClient, config: WhatsAppCloudConfig): Promise<void> {
    const to = delivery.contactExternalId;
    const parts = graphMessagesOf(to, delivery.message);
    const keyOf = (index: number) => (index === 0 ? delivery.key : `${delivery.key}#${index + 1}`);
    // A retried delivery whose first part went out is past the window check: finish what is left.
    const first = await messages.get(connection.id, 'out', delivery.key);
    if (first?.providerId === undefined) await checkWindow(config, to);
    for (const [index, part] of parts.entries()) {
      const { message } = await messages.record({
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        direction: 'out',
        key: keyOf(index),
        contactExternalId: to,
        status: 'pending',
        payload: { ...part, sessionId: delivery.sessionId, from: delivery.from },
      });
      if (message.providerId !== undefined) continue;
      try {
        const { wamid } = await client.sendMessage(part);
        await messages.advance(message.id, 'sent', sendRank, { providerId: wamid });
      } catch (error) {
        await messages.advance(message.id, 'failed', sendRank, { error: (error as Error).message });
        logger.warn({ key: keyOf(index), err: error }, 'whatsapp-cloud: send failed');
        throw error;
      }
    }
  }

  return {
    kind: 'whatsapp-cloud',
    connectionId: connection.id,
    streams: false,

    async start() {
      if (!settings.ok) {
        running = false;
        setStatus('failed', `The WhatsApp Cloud API settings are incomplete: ${settings.problems.join('; ')}.`);
        return;
      }
      running = true;
      setStatus('ready', 'Receiving webhooks and sending through the Graph API.');
      await processPending();
    },

    async stop() {
      running = false;
      setStatus('stopped');
    },

    status: () => current,

    async accept(rawBody, signature) {
      const outcome = await acceptWebhook({ connection, messages, logger, now, retentionMs }, rawBody, signature);
      if (outcome.ok && running) for (const entry of outcome.accepted) schedule(entry);
      return outcome;
    },

    processPending,

    async idle() {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },

    async send(delivery) {
      if (!running || !settings.ok || graph === undefined) {
        throw new NexusError('channel_unavailable', `the WhatsApp Cloud API connection "${connection.name}" is not running (${current.state}${current.detail === undefined ? '' : `: ${current.detail}`}); start it in the channel settings`);
      }
      const pending = sending.get(delivery.key);
      if (pending !== undefined) return pending;
      const attempt = deliver(delivery, graph, settings.config).finally(() => sending.delete(delivery.key));
      sending.set(delivery.key, attempt);
      return attempt;
    },
  };
}
