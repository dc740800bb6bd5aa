import type { Logger } from 'pino';
import type { ChannelConnection, ChannelMessage, ChannelMessageRepository } from '../../store/types.js';
import { checkWhatsAppCloudConfig } from './config.js';
import { parseWebhook } from './payload.js';
import { signatureProblem } from './signature.js';

/** How long delivered message ids are remembered, and how old a message may be before it counts as a replay (W-03, W-04). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export { inboundRank } from '../inbox.js';

const OUTBOUND_ORDER = ['pending', 'sent', 'delivered', 'read', 'failed'];
/**
 * Delivery statuses of sent messages, as Meta reports them: only forward (they arrive out of
 * order, W-05). A `failed` report is final.
 */
export const outboundRank = (status: string): number => OUTBOUND_ORDER.indexOf(status);

export interface WebhookDeps {
  connection: ChannelConnection;
  messages: ChannelMessageRepository;
  /** Bound to the connection by the caller. */
  logger: Logger;
  now: () => number;
  retentionMs: number;
}

/** What one webhook delivery did. */
export interface WebhookReceipt {
  /** Messages newly written to the inbox (to be processed). */
  accepted: ChannelMessage[];
  /** Messages whose `wamid` was already in the inbox (Meta redelivers until it gets a 200). */
  duplicates: number;
  /** Messages older than the retention: ignored, never processed (the signature carries no timestamp). */
  replays: number;
  /** Status reports that moved a sent message forward. */
  statuses: number;
}

export type WebhookOutcome =
  | ({ ok: true } & WebhookReceipt)
  /** Refused before anything was recorded: `status` is the HTTP answer, `reason` is for the log. */
  | { ok: false; status: 400 | 401 | 503; reason: string };

/**
 * Checks a webhook delivery's signature over its raw bytes and writes every new message to the
 * durable inbox, before the HTTP answer (W-07): once Meta has its 200, the message is on disk.
 * Status reports of sent messages are applied forward-only. Nothing is written when the
 * signature is missing or wrong (W-01).
 */
export async function acceptWebhook(deps: WebhookDeps, rawBody: Buffer | undefined, signature: string | string[] | undefined): Promise<WebhookOutcome> {
  const { connection, messages, logger, now, retentionMs } = deps;
  const settings = checkWhatsAppCloudConfig(connection.config);
  if (!settings.ok) return { ok: false, status: 503, reason: `the connection is not configured: ${settings.problems.join('; ')}` };
  const problem = signatureProblem(signature, rawBody, settings.config.appSecret);
  if (problem !== undefined) return { ok: false, status: 401, reason: problem };
  let body: unknown;
  try {
    body = JSON.parse(rawBody!.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  const parsed = parseWebhook(body, settings.config.phoneNumberId);
  for (const reason of parsed.skipped) logger.info({ reason }, 'whatsapp-cloud webhook: part skipped');

  const receipt: WebhookReceipt = { accepted: [], duplicates: 0, replays: 0, statuses: 0 };
  const oldest = now() - retentionMs;
  // One at a time, in the payload's order, so the inbox keeps the contact's order.
  for (const envelope of parsed.messages) {
    if (envelope.providerAt < oldest) {
      receipt.replays += 1;
      logger.warn({ wamid: envelope.wamid, providerAt: envelope.providerAt, retentionMs }, 'whatsapp-cloud webhook: replay of a message older than the retention ignored');
      continue;
    }
    const { message, created } = await messages.record({
      workspaceId: connection.workspaceId,
      connectionId: connection.id,
      direction: 'in',
      key: envelope.wamid,
      status: 'received',
      providerAt: envelope.providerAt,
      contactExternalId: envelope.from,
      payload: { message: envelope.message, ...(envelope.name === undefined ? {} : { name: envelope.name }) },
    });
    if (created) receipt.accepted.push(message);
    else receipt.duplicates += 1;
  }
  for (const update of parsed.statuses) {
    const sent = await messages.byProviderId(connection.id, update.providerId);
    if (sent === undefined) {
      logger.info({ providerId: update.providerId, status: update.status }, 'whatsapp-cloud webhook: status of a message not sent from here');
      continue;
    }
    const { moved } = await messages.advance(sent.id, update.status, outboundRank, update.error === undefined ? {} : { error: update.error });
    if (moved) receipt.statuses += 1;
    if (update.status === 'failed') logger.warn({ providerId: update.providerId, error: update.error }, 'whatsapp-cloud: WhatsApp could not deliver a message');
  }
  return { ok: true, ...receipt };
}
