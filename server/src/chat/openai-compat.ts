import { randomBytes } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { countTokens } from '@nexusflow/nodes';
import type { AppContext } from '../app-context.js';
import { principalCan } from '../auth/index.js';
import { ApiError, toApiError } from '../http/api-error.js';
import { identify } from '../http/authenticate.js';
import { validateBody } from '../http/validate-body.js';
import type { SessionEvent } from '../runtime/session-events.js';
import { checkMessage } from './chat-service.js';
import { openSse } from './sse.js';
import { thrownFailure, turnFailure } from './turn-errors.js';

interface CompletionRequest {
  model: string;
  messages: { role: string; content?: unknown }[];
  stream?: boolean;
  user?: string;
  stream_options?: { include_usage?: boolean };
}

/** OpenAI's error body, so the official clients raise their usual errors (e.g. status 402, 404). */
function openAiError(res: Response, error: ApiError): void {
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.status(error.status).json({ error: { message: error.message, type: error.status >= 500 ? 'server_error' : 'invalid_request_error', code: error.code, param: error.details?.[0]?.pointer ?? null } });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part: { type?: unknown; text?: unknown }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
  return '';
}

/** The newest user message is this turn's input; the flow keeps the conversation's memory itself. */
function lastUserText(messages: CompletionRequest['messages']): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) if (messages[i]?.role === 'user') return textOf(messages[i]?.content);
  throw new ApiError(400, 'invalid_request', 'messages must contain at least one message with role "user"', [{ pointer: '/messages', message: 'no user message' }]);
}

/**
 * `POST /v1/chat/completions`: any OpenAI client chats with a deployment. `model` is the
 * deployment key, the API key (scope `chat`) picks the workspace, `user` picks the conversation
 * (default: one per API key). Streaming sends the flow's streamed tokens as chunks; replies that
 * were not streamed arrive whole. `usage` counts the tokens of the user message and of the reply.
 */
export function mountOpenAiCompat(app: Express, ctx: AppContext): void {
  app.post('/v1/chat/completions', express.json({ limit: '1mb' }), async (req: Request, res: Response) => {
    if (ctx.draining) throw new ApiError(503, 'shutting_down', 'the server is restarting; try again in a few seconds', undefined, { 'Retry-After': '5' });
    const identity = await identify(req, ctx);
    if (identity?.kind !== 'apiKey') throw new ApiError(401, 'invalid_api_key', 'use an API key of the workspace (Authorization: Bearer nf_...) with the chat scope');
    const key = identity.key;
    const allowed = principalCan({ kind: 'apiKey', keyId: key.id, workspaceId: key.workspaceId, role: key.role, scopes: key.scopes }, { role: 'viewer', scope: 'chat' });
    if (!allowed.ok) throw new ApiError(403, 'forbidden', allowed.message);
    const body = validateBody('ChatCompletion', req.body) as CompletionRequest;
    const deployment = await ctx.store.deployments.byKey(key.workspaceId, body.model);
    if (deployment === undefined) throw new ApiError(404, 'model_not_found', `no deployment "${body.model}" in this workspace; the model is a deployment key`, [{ pointer: '/model', message: 'unknown deployment' }]);
    const text = lastUserText(body.messages);
    const message = checkMessage({ text });
    const contact = `${key.id}:${body.user ?? 'default'}`;
    const id = `chatcmpl-${randomBytes(12).toString('base64url')}`;
    const created = Math.floor(ctx.now() / 1000);
    const seen: SessionEvent[] = [];

    if (body.stream !== true) {
      const turn = await ctx.chat.send(deployment, 'api', contact, message, (e) => void (e.type === 'trace' && seen.push(e)));
      const failure = turnFailure(turn, seen);
      if (failure !== undefined) throw new ApiError(failure.status, failure.code, failure.message);
      const content = turn.replies.map((r) => r.text).join('\n\n');
      const prompt = countTokens([{ role: 'user', content: text }]);
      const completion = countTokens([{ role: 'assistant', content }]);
      res.json({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        nexusflow: { session_id: turn.sessionId, status: turn.result.status },
      });
      return;
    }

    const sse = openSse(res);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      sse.data(JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }));
    chunk({ role: 'assistant', content: '' });
    const streamed = new Set<string>();
    let output = '';
    let replies = 0;
    const write = (piece: string) => {
      output += piece;
      chunk({ content: piece });
    };
    try {
      const turn = await ctx.chat.send(deployment, 'api', contact, message, (event) => {
        if (event.type === 'trace') seen.push(event);
        else if (event.type === 'token') {
          if (!streamed.has(event.streamId)) {
            if (replies > 0) write('\n\n');
            streamed.add(event.streamId);
            replies += 1;
          }
          write(event.delta);
        } else if (event.type === 'reply' && (event.streamId === undefined || !streamed.has(event.streamId))) {
          if (replies > 0) write('\n\n');
          replies += 1;
          write(event.entry.text);
        }
      });
      const failure = turnFailure(turn, seen);
      if (failure !== undefined) {
        sse.data(JSON.stringify({ error: { message: failure.message, type: 'invalid_request_error', code: failure.code } }));
      } else {
        chunk({}, 'stop');
        if (body.stream_options?.include_usage === true) {
          const prompt = countTokens([{ role: 'user', content: text }]);
          const completion = countTokens([{ role: 'assistant', content: output }]);
          sse.data(JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } }));
        }
      }
    } catch (error) {
      const failure = thrownFailure(error);
      sse.data(JSON.stringify({ error: { message: failure.message, type: 'server_error', code: failure.code } }));
    }
    sse.data('[DONE]');
    sse.end();
  });
  // Errors of this path in OpenAI's shape.
  app.use('/v1', (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    openAiError(res, toApiError(error, ctx.config.env === 'production'));
  });
}
