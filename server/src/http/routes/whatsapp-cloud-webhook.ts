import type { AppContext } from '../../app-context.js';
import {
  acceptWebhook,
  checkWhatsAppCloudConfig,
  DEFAULT_RETENTION_MS,
  isWhatsAppCloudAdapter,
  sameSecret,
  SIGNATURE_HEADER,
} from '../../channels/whatsapp-cloud/index.js';
import type { ChannelConnection } from '../../store/types.js';
import { ApiError } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';

const PATH = '/webhooks/whatsapp-cloud/:connectionId';
/** A challenge is echoed only when it cannot be markup or script (W-06); Meta sends digits. */
const PLAIN_CHALLENGE = /^[A-Za-z0-9_-]{1,128}$/;

async function cloudConnection(ctx: AppContext, id: string): Promise<ChannelConnection> {
  const connection = await ctx.store.channels.byId(id);
  if (connection === undefined || connection.kind !== 'whatsapp-cloud') {
    throw new ApiError(404, 'not_found', 'no WhatsApp Cloud API connection has this id; copy the webhook URL from the connection in the editor');
  }
  return connection;
}

const loggerOf = (ctx: AppContext, connection: ChannelConnection) => ctx.logger.child({ channel: 'whatsapp-cloud', connectionId: connection.id });

/**
 * Meta's webhooks for a WhatsApp Cloud API connection: the verification handshake (GET) and the
 * signed deliveries (POST). A delivery is written to the durable inbox before the 200; the
 * connection's adapter processes it afterwards, or at its next start when it does not run here.
 */
export const whatsappCloudWebhookRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: PATH,
    summary: "Meta's webhook verification: with hub.mode=subscribe and the connection's verify token, answers hub.challenge as text/plain",
    tag: 'channels',
    access: { kind: 'public' },
    async handle({ ctx, req, res, params }) {
      const connection = await cloudConnection(ctx, params.connectionId ?? '');
      const query = new URL(req.originalUrl, 'http://localhost').searchParams;
      const verifyToken = connection.config.verifyToken;
      if (typeof verifyToken !== 'string' || verifyToken === '') {
        throw new ApiError(503, 'channel_not_configured', 'this connection has no verifyToken yet; set one in its settings and enter the same one in your Meta app');
      }
      if (!sameSecret(query.get('hub.verify_token') ?? '', verifyToken)) {
        loggerOf(ctx, connection).warn({ requestId: req.id, ip: req.ip }, 'whatsapp-cloud webhook verification refused: wrong verify token');
        throw new ApiError(403, 'forbidden', "hub.verify_token does not match the connection's verifyToken");
      }
      if (query.get('hub.mode') !== 'subscribe') throw new ApiError(400, 'invalid_request', 'hub.mode must be "subscribe"');
      const challenge = query.get('hub.challenge') ?? '';
      if (!PLAIN_CHALLENGE.test(challenge)) throw new ApiError(400, 'invalid_request', 'hub.challenge must be 1 to 128 letters, digits, "_" or "-"');
      res.status(200).type('text/plain').send(challenge);
      return undefined;
    },
  },
  {
    method: 'post',
    path: PATH,
    summary: 'WhatsApp Cloud API webhook (X-Hub-Signature-256: "sha256=<hex HMAC-SHA256 of the raw body under the app secret>"): messages are stored, then processed; statuses update sent messages',
    tag: 'channels',
    access: { kind: 'public' },
    async handle({ ctx, req, params }) {
      const connection = await cloudConnection(ctx, params.connectionId ?? '');
      const logger = loggerOf(ctx, connection);
      const signature = req.headers[SIGNATURE_HEADER];
      const adapter = ctx.channels.adapter(connection.id);
      const outcome = isWhatsAppCloudAdapter(adapter)
        ? await adapter.accept(req.rawBody, signature)
        : await acceptWebhook({ connection, messages: ctx.store.channelMessages, logger, now: ctx.now, retentionMs: DEFAULT_RETENTION_MS }, req.rawBody, signature);
      if (!outcome.ok) {
        logger.warn({ requestId: req.id, ip: req.ip, reason: outcome.reason }, 'whatsapp-cloud webhook refused');
        if (outcome.status === 401) {
          throw new ApiError(401, 'invalid_signature', `the X-Hub-Signature-256 signature is not valid (${outcome.reason}); Meta signs the raw JSON body as "sha256=<hex HMAC-SHA256 under the app secret>": check the connection's appSecret`);
        }
        if (outcome.status === 503) {
          const settings = checkWhatsAppCloudConfig(connection.config);
          throw new ApiError(503, 'channel_not_configured', `this connection cannot receive webhooks yet: ${settings.ok ? 'its settings changed' : settings.problems.join('; ')}`);
        }
        throw new ApiError(400, 'invalid_body', 'the webhook body must be JSON');
      }
      return { received: true, accepted: outcome.accepted.length, duplicates: outcome.duplicates, replays: outcome.replays, statuses: outcome.statuses };
    },
  },
];
