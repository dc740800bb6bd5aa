import type { ServerResponse } from 'node:http';
import { planReply, type ReplyPlan, type StopKind } from './script.js';
import { cutConnection, sendJson, sendSse, sendTruncatedJson, startSse } from './sse.js';
import { countTokens } from './tokens.js';
import { BAD_KEY, contentTexts, header, positiveInt, replyHeaders, type WireContext, type WireProtocol } from './wire.js';

/** OpenAI error `type`/`code` per status, as the real API reports them. */
function errorKind(status: number): { type: string; code: string | null } {
  switch (status) {
    case 400:
      return { type: 'invalid_request_error', code: null };
    case 401:
      return { type: 'invalid_request_error', code: 'invalid_api_key' };
    case 403:
      return { type: 'invalid_request_error', code: 'unsupported_country_region_territory' };
    case 404:
      return { type: 'invalid_request_error', code: 'model_not_found' };
    case 413:
      return { type: 'invalid_request_error', code: 'request_too_large' };
    case 429:
      return { type: 'requests', code: 'rate_limit_exceeded' };
    default:
      return status >= 500 ? { type: 'server_error', code: null } : { type: 'invalid_request_error', code: null };
  }
}

const FINISH: Record<StopKind, string> = { stop: 'stop', length: 'length', refusal: 'content_filter' };
const RESPONSE_FORMATS = new Set(['text', 'json_object', 'json_schema']);

/** Prompt tokens: the counter over every message's text content. */
export function openaiInputTokens(body: Record<string, unknown>): number {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  let total = 0;
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    for (const text of contentTexts((message as { content?: unknown }).content)) total += countTokens(text);
  }
  return total;
}

/** `max_completion_tokens` wins over the legacy `max_tokens`, as in the real API. */
function maxTokens(body: Record<string, unknown>): number | undefined {
  return positiveInt(body['max_completion_tokens']) ?? positiveInt(body['max_tokens']);
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { message, type: errorKind(status).type, param: null, code: errorKind(status).code } }, headers);
}

function usage(promptTokens: number, plan: ReplyPlan): Record<string, number> {
  return { prompt_tokens: promptTokens, completion_tokens: plan.outputTokens, total_tokens: promptTokens + plan.outputTokens };
}

async function respond(ctx: WireContext): Promise<void> {
  const { request, res, reply, timers } = ctx;
  const headers = { ...replyHeaders(reply), 'x-request-id': `req_fake_${ctx.seq}` };
  if (reply.status !== undefined && reply.status >= 400) {
    sendError(res, reply.status, reply.errorMessage ?? `Scripted error ${reply.status}`, headers);
    return;
  }
  const body = request.body;
  const plan = planReply(reply, maxTokens(body));
  const promptTokens = openaiInputTokens(body);
  const id = `chatcmpl-fake-${ctx.seq}`;
  const created = Math.floor(request.receivedAt / 1000);
  const model = typeof body['model'] === 'string' ? body['model'] : 'fake-model';
  const finishReason = FINISH[plan.stop];

  if (body['stream'] !== true) {
    if (!(await timers.sleep(reply.delayFirstTokenMs ?? 0, res))) return;
    const completion = {
      id,
      object: 'chat.completion',
      created,
      model,
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: plan.refusal ? null : plan.text,
            refusal: plan.refusal ? plan.text : null,
            annotations: [],
          },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: usage(promptTokens, plan),
    };
    if (reply.cutAfterTokens !== undefined) await sendTruncatedJson(res, completion, headers);
    else sendJson(res, 200, completion, headers);
    return;
  }

  const includeUsage =
    (body['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true && reply.omitUsage !== true;
  // With include_usage every chunk carries `usage: null` until the final usage-only chunk.
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: null,
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const choice = (delta: Record<string, unknown>, finish: string | null = null): unknown[] => [
    { index: 0, delta, logprobs: null, finish_reason: finish },
  ];

  startSse(res, headers);
  if (!(await timers.sleep(reply.delayFirstTokenMs ?? 0, res))) return;
  const field = plan.refusal ? 'refusal' : 'content';
  if (!(await sendSse(res, chunk(choice({ role: 'assistant', [field]: '' }))))) return;
  let sent = 0;
  for (const [index, piece] of plan.pieces.entries()) {
    if (reply.cutAfterTokens !== undefined && sent + piece.tokens > reply.cutAfterTokens) break;
    if (index > 0 && !(await timers.sleep(reply.tokenDelayMs ?? 0, res))) return;
    if (!(await sendSse(res, chunk(choice({ [field]: piece.text }))))) return;
    sent += piece.tokens;
  }
  if (reply.cutAfterTokens !== undefined) {
    cutConnection(res);
    return;
  }
  if (!(await sendSse(res, chunk(choice({}, finishReason))))) return;
  if (includeUsage && !(await sendSse(res, chunk([], { usage: usage(promptTokens, plan) })))) return;
  if (await sendSse(res, '[DONE]')) res.end();
}

/** OpenAI `POST /v1/chat/completions`. */
export const openaiWire: WireProtocol = {
  checkAuth(request) {
    const auth = header(request, 'authorization');
    const key = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : '';
    if (key === '') return 'You didn\'t provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).';
    if (key === BAD_KEY) return `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    return undefined;
  },
  validate(request) {
    const body = request.body;
    if (typeof body['model'] !== 'string' || body['model'] === '') return "you must provide a model parameter";
    if (!Array.isArray(body['messages']) || body['messages'].length === 0) return "'messages' must be a non-empty array";
    const format = body['response_format'] as { type?: unknown } | undefined;
    if (format !== undefined && (typeof format !== 'object' || format === null || !RESPONSE_FORMATS.has(String(format.type)))) {
      return "Invalid value for 'response_format.type'";
    }
    if (format?.type === 'json_schema' && typeof (format as { json_schema?: unknown }).json_schema !== 'object') {
      return "Missing required parameter: 'response_format.json_schema'";
    }
    return undefined;
  },
  sendError,
  respond,
};
