import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { AppContext } from '../../app-context.js';
import { ApiError } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { ledgerWrite } from './credits.js';

/** How far a signed timestamp may be from the server's clock, in seconds (replays of old events are refused). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = 'x-nexusflow-signature';

interface PaymentEvent {
  id: string;
  type: string;
  data: { workspaceId: string; credits: number; reference?: string };
}

/**
 * The signature header value for a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 * Payment providers (and tests) sign with this.
 *
 * @example
 * fetch(url, { method: 'POST', body, headers: { 'X-Nexusflow-Signature': signPayment(secret, body, Math.floor(Date.now() / 1000)) } });
 */
export function signPayment(secret: string, body: string | Buffer, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Why a signature is refused, or `undefined` when it is good. Never says which part of the MAC was wrong. */
function signatureProblem(req: Request, secret: string, nowMs: number): string | undefined {
  const header = req.headers[SIGNATURE_HEADER];
  if (typeof header !== 'string' || header.length > 1024) return 'missing signature header';
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = parts.find(([name]) => name === 't')?.[1];
  const macs = parts.filter(([name, value]) => name === 'v1' && value !== undefined && /^[0-9a-fA-F]{64}$/.test(value)).map(([, value]) => Buffer.from(value as string, 'hex'));
  if (t === undefined || !/^\d{1,12}$/.test(t) || macs.length === 0) return 'malformed signature header';
  if (Math.abs(nowMs / 1000 - Number(t)) > SIGNATURE_TOLERANCE_SECONDS) return 'timestamp outside the tolerance';
  if (req.rawBody === undefined) return 'no JSON body to verify';
  const expected = createHmac('sha256', secret).update(`${t}.`).update(req.rawBody).digest();
  // Every candidate is compared, so the time taken does not depend on which one matched.
  let ok = false;
  for (const mac of macs) ok = timingSafeEqual(mac, expected) || ok;
  return ok ? undefined : 'signature mismatch';
}

function refuse(ctx: AppContext, req: Request, status: number, code: string, reason: string, message: string): ApiError {
  ctx.logger.warn({ requestId: req.id, reason, ip: req.ip }, 'payment webhook refused');
  return new ApiError(status, code, message);
}

export const paymentWebhookRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: '/webhooks/payments',
    summary: 'Signed payment events (X-Nexusflow-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">); credits.purchased adds credits once per event id',
    tag: 'credits',
    access: { kind: 'public' },
    body: 'PaymentEvent',
    async handle({ ctx, req, body }) {
      const secret = ctx.config.paymentWebhookSecret;
      if (secret === undefined) throw refuse(ctx, req, 503, 'webhook_not_configured', 'no secret', 'payment webhooks are not configured on this server; set PAYMENT_WEBHOOK_SECRET');
      const problem = signatureProblem(req, secret, ctx.now());
      if (problem !== undefined) {
        throw refuse(ctx, req, 401, 'invalid_signature', problem, `the ${SIGNATURE_HEADER} signature is not valid: ${problem}. Sign the raw body bytes as "t=<unix seconds>,v1=<hex HMAC-SHA256 of \\"<t>.<body>\\">"`);
      }
      const event = body as PaymentEvent;
      if (event.type !== 'credits.purchased') {
        ctx.logger.info({ requestId: req.id, eventId: event.id, type: event.type }, 'payment webhook event ignored');
        return { applied: false, ignored: true };
      }
      if ((await ctx.store.workspaces.byId(event.data.workspaceId)) === undefined) {
        throw refuse(ctx, req, 404, 'not_found', 'unknown workspace', `workspace "${event.data.workspaceId}" does not exist`);
      }
      const write = ledgerWrite({ source: 'payment-webhook', eventId: event.id, requestId: req.id, ...(event.data.reference === undefined ? {} : { reference: event.data.reference }) });
      const entry = await ctx.store.ledger.adjust(event.data.workspaceId, `payment:${event.id}`, 'purchase', event.data.credits, write.meta);
      if (!write.wrote(entry)) return { applied: false, duplicate: true };
      ctx.logger.info({ requestId: req.id, eventId: event.id, workspaceId: event.data.workspaceId, credits: event.data.credits }, 'payment applied');
      return { applied: true, entry };
    },
  },
];
