import type { ServerResponse } from 'node:http';
import { planReply, type StopKind } from './script.js';
import { cutConnection, sendJson, sendSse, sendTruncatedJson, startSse } from './sse.js';
import { countTokens } from './tokens.js';
import { BAD_KEY, contentTexts, header, positiveInt, replyHeaders, type WireContext, type WireProtocol } from './wire.js';

/** Anthropic error `type` per status, as documented for the Messages API. */
function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

const STOP: Record<StopKind, string> = { stop: 'end_turn', length: 'max_tokens', refusal: 'refusal' };

/** Input tokens: the counter over `system` plus every message's text content. */
export function anthropicInputTokens(body: Record<string, unknown>): number {
  let total = 0;
  for (const text of contentTexts(body['system'])) total += countTokens(text);
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    for (const text of contentTexts((message as { content?: unknown }).content)) total += countTokens(text);
  }
  return total;
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { type: 'error', error: { type: errorType(status), message } }, headers);
}

async function respond(ctx: WireContext): Promise<void> {
  const { request, res, reply, timers } = ctx;
  const headers = { ...replyHeaders(reply), 'request-id': `req_fake_${ctx.seq}` };
  if (reply.status !== undefined && reply.status >= 400) {
    sendError(res, reply.status, reply.errorMessage ?? `Scripted error ${reply.status}`, headers);
    return;
  }
  const body = request.body;
  const plan = planReply(reply, positiveInt(body['max_tokens']));
  const inputTokens = anthropicInputTokens(body);
  const id = `msg_fake_${ctx.seq}`;
  const model = typeof body['model'] === 'string' ? body['model'] : 'fake-model';
  const stopReason = STOP[plan.stop];

  if (body['stream'] !== true) {
    if (!(await timers.sleep(reply.delayFirstTokenMs ?? 0, res))) return;
    const message = {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: plan.text }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: plan.outputTokens },
    };
    if (reply.cutAfterTokens !== undefined) await sendTruncatedJson(res, message, headers);
    else sendJson(res, 200, message, headers);
    return;
  }

  startSse(res, headers);
  const send = (type: string, data: Record<string, unknown>): Promise<boolean> => sendSse(res, { type, ...data }, type);
  const startUsage = { input_tokens: reply.inputTokensInDelta === true ? 0 : inputTokens, output_tokens: 1 };
  const message = { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: startUsage };
  if (!(await send('message_start', { message }))) return;
  if (!(await send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }))) return;
  if (!(await send('ping', {}))) return;
  if (!(await timers.sleep(reply.delayFirstTokenMs ?? 0, res))) return;
  let sent = 0;
  for (const [index, piece] of plan.pieces.entries()) {
    if (reply.cutAfterTokens !== undefined && sent + piece.tokens > reply.cutAfterTokens) break;
    if (index > 0 && !(await timers.sleep(reply.tokenDelayMs ?? 0, res))) return;
    if (!(await send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece.text } }))) return;
    sent += piece.tokens;
  }
  if (reply.cutAfterTokens !== undefined) {
    cutConnection(res);
    return;
  }
  if (!(await send('content_block_stop', { index: 0 }))) return;
  // Usage on message_delta is cumulative; several events let tests catch clients that add them up.
  const events = Math.max(1, Math.floor(reply.deltaUsageEvents ?? 1));
  for (let i = 1; i <= events; i += 1) {
    const usage: Record<string, number> = { output_tokens: Math.round((plan.outputTokens * i) / events) };
    if (reply.inputTokensInDelta === true) usage['input_tokens'] = inputTokens;
    const delta = { stop_reason: i === events ? stopReason : null, stop_sequence: null };
    if (!(await send('message_delta', { delta, usage }))) return;
  }
  if (await send('message_stop', {})) res.end();
}

/** Anthropic `POST /v1/messages`. */
export const anthropicWire: WireProtocol = {
  checkAuth(request) {
    const apiKey = header(request, 'x-api-key');
    const bearer = header(request, 'authorization');
    // The SDK's `authToken` option sends a Bearer token instead of x-api-key.
    const key = apiKey ?? (bearer?.startsWith('Bearer ') ? bearer.slice('Bearer '.length).trim() : undefined);
    if (key === undefined || key === '') return 'x-api-key header is required';
    if (key === BAD_KEY) return 'invalid x-api-key';
    return undefined;
  },
  validate(request) {
    const body = request.body;
    if (header(request, 'anthropic-version') === undefined) return 'anthropic-version: header is required';
    if (typeof body['model'] !== 'string' || body['model'] === '') return 'model: Field required';
    if (positiveInt(body['max_tokens']) === undefined) return 'max_tokens: Field required';
    if (!Array.isArray(body['messages']) || body['messages'].length === 0) return 'messages: Field required';
    return undefined;
  },
  sendError,
  respond,
};
