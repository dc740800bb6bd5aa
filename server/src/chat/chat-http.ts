import express, { type Express, type Request, type Response } from 'express';
import type { AppContext } from '../app-context.js';
import { ApiError } from '../http/api-error.js';
import { API_BASE } from '../http/app.js';
import { validateBody } from '../http/validate-body.js';
import type { SessionEvent } from '../runtime/session-events.js';
import type { Deployment } from '../store/types.js';
import { checkMessage } from './chat-service.js';
import { presentEntry } from './present.js';
import { openSse } from './sse.js';
import { thrownFailure, turnFailure } from './turn-errors.js';

const CONTACT_ID = /^[A-Za-z0-9_-]{16,64}$/;

async function deploymentOf(ctx: AppContext, req: Request): Promise<Deployment> {
  const key = String(req.params.publishableKey ?? '').slice(0, 100);
  const deployment = await ctx.store.deployments.byPublishableKey(key);
  if (deployment === undefined) throw new ApiError(404, 'not_found', 'no chat has this publishable key; copy it again from the deployment');
  return deployment;
}

/**
 * The web channel over plain HTTP, for widgets that cannot keep a WebSocket open:
 * `POST /api/v1/chat/:publishableKey/messages` answers JSON, or streams the reply as server-sent
 * events (`token`, `reply`, `done`, `error`) when the request accepts `text/event-stream`;
 * `GET /api/v1/chat/:publishableKey/history?contactId=` gives the contact's own transcript.
 */
export function mountChatHttp(app: Express, ctx: AppContext): void {
  app.post(`${API_BASE}/chat/:publishableKey/messages`, express.json({ limit: '32kb' }), async (req: Request, res: Response) => {
    if (ctx.draining) throw new ApiError(503, 'shutting_down', 'the server is restarting; try again in a few seconds', undefined, { 'Retry-After': '5' });
    const body = validateBody('ChatMessage', req.body) as { contactId: string; text: string; payload?: unknown; clientMessageId?: string };
    const message = checkMessage({ text: body.text, payload: body.payload, clientMessageId: body.clientMessageId });
    const deployment = await deploymentOf(ctx, req);
    const seen: SessionEvent[] = [];
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      const turn = await ctx.chat.send(deployment, 'web', body.contactId, message, (e) => void (e.type === 'trace' && seen.push(e)));
      const failure = turnFailure(turn, seen);
      if (failure !== undefined) throw new ApiError(failure.status, failure.code, failure.message);
      res.json({ status: turn.result.status, replies: turn.replies.map(presentEntry), duplicate: turn.duplicate });
      return;
    }
    const sse = openSse(res);
    try {
      const turn = await ctx.chat.send(deployment, 'web', body.contactId, message, (event) => {
        if (event.type === 'trace') seen.push(event);
        else if (event.type === 'token') sse.event('token', { streamId: event.streamId, delta: event.delta });
        else if (event.type === 'reply') sse.event('reply', presentEntry(event.entry));
        else if (event.type === 'typing') sse.event('typing', { on: event.on });
      });
      const failure = turnFailure(turn, seen);
      if (failure !== undefined) sse.event('error', failure);
      else sse.event('done', { status: turn.result.status, duplicate: turn.duplicate });
    } catch (error) {
      sse.event('error', thrownFailure(error));
    }
    sse.end();
  });

  app.get(`${API_BASE}/chat/:publishableKey/history`, async (req: Request, res: Response) => {
    const contactId = String(req.query.contactId ?? '');
    if (!CONTACT_ID.test(contactId)) throw new ApiError(400, 'invalid_request', 'contactId must be the 16 to 64 character id the widget generated', [{ pointer: 'contactId', message: 'bad format' }]);
    const afterSeq = Number(req.query.afterSeq ?? 0);
    const deployment = await deploymentOf(ctx, req);
    // A read creates nothing: an unknown contact simply has no history (and cannot be told apart).
    const contact = await ctx.store.contacts.byExternalId(deployment.workspaceId, 'web', contactId);
    const session = contact === undefined ? undefined : (await ctx.store.sessions.list(deployment.workspaceId, { deploymentId: deployment.id, contactId: contact.id, limit: 1 })).items[0];
    const entries = session === undefined ? [] : await ctx.store.transcripts.list(deployment.workspaceId, session.id, { afterSeq: Number.isSafeInteger(afterSeq) ? afterSeq : 0, limit: 100 });
    res.json({ history: entries.map(presentEntry) });
  });
}
