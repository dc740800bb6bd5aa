import type { CapabilityContext, ChannelPort, ChannelStream, CreditLedger, LlmMessage } from '@nexusflow/engine';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { unknownMethod } from '../args.js';
import { nextCallIndex } from '../call-sequence.js';
import { holdFor, maxTokensWithin, settleAmount } from '../credits/pricing.js';
import { noRateMessage, rateFor, type Rate, type RateTable } from '../credits/rates.js';
import type { CapabilityHandler } from '../types.js';
import { adapterFor } from './adapters.js';
import { LlmError } from './errors.js';
import { compileJsonAnswerChecker, jsonInstruction, type JsonAnswerChecker } from './json-mode.js';
import type { LlmAdapter, LlmCallResult, LlmConnection, ReportedUsage } from './types.js';

export const DEFAULT_MAX_TOKENS = 1024;
export const MAX_MAX_TOKENS = 128_000;
export const MAX_MESSAGES = 500;
export const MAX_PROMPT_CHARS = 1_000_000;
/** Holds left behind by a crash expire after this; a sweeper releases them (RELIABILITY §5.4). */
export const HOLD_TTL_MS = 15 * 60_000;

export interface LlmCapabilityOptions {
  ledger: CreditLedger;
  rates: RateTable;
  /** The workspace's connection for a provider name (`openai`, `anthropic`, `openrouter` ...). */
  connections: (workspaceId: string, provider: string) => LlmConnection | undefined;
  /** Streams deltas host-side to the session's channel; without `stream`, replies are not streamed. */
  channel?: ChannelPort;
  /** Input tokens of a request, for the hold and for estimates (credits' `countTokens`). */
  countTokens: (messages: readonly LlmMessage[]) => number;
  now?: () => number;
  /** Replaces the SDK adapters (tests, benchmarks). */
  adapter?: (connection: LlmConnection) => LlmAdapter;
}

/** The validated `ctx.llm.chat` request. */
export interface ChatRequest {
  provider: string;
  model: string;
  messages: LlmMessage[];
  stream: boolean;
  json: Record<string, unknown> | undefined;
  maxTokens: number;
  temperature: number | undefined;
}

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
  /** True when some count is ours (tokenizer, streamed text), not the provider's (B-04). */
  estimated: boolean;
}

export interface ChatResult {
  text: string;
  json?: unknown;
  usage: ChatUsage;
  /** Credits charged for this request (both calls of a JSON retry). */
  credits: number;
  /** True when the host already delivered the reply to the channel as a stream. */
  streamed: boolean;
}

const ROLES = new Set(['system', 'user', 'assistant']);
const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

function invalid(message: string): LlmError {
  return new LlmError('llm_invalid_request', `llm.chat: ${message}`);
}

/** Checks the copied arguments of `ctx.llm.chat`: they come from plugin code. */
export function parseChatRequest(value: unknown): ChatRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('needs a request object such as { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }');
  }
  const raw = value as Record<string, unknown>;
  const provider = raw['provider'] ?? 'openai';
  if (typeof provider !== 'string' || !PROVIDER_NAME.test(provider)) throw invalid('provider must be a connection name such as "openai" or "anthropic"');
  const model = raw['model'];
  if (typeof model !== 'string' || model.length === 0 || model.length > 128) throw invalid('model must be a model name of 1 to 128 characters');
  const list = raw['messages'];
  if (!Array.isArray(list) || list.length > MAX_MESSAGES) throw invalid(`messages must be an array of at most ${MAX_MESSAGES} messages`);
  let chars = 0;
  const messages: LlmMessage[] = list.map((m, i) => {
    const message = m as Partial<LlmMessage> | null;
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string' || !ROLES.has(message.role) || typeof message.content !== 'string') {
      throw invalid(`messages[${i}] must be { role: "system" | "user" | "assistant", content: string }`);
    }
    chars += message.content.length;
    return { role: message.role, content: message.content };
  });
  if (chars > MAX_PROMPT_CHARS) throw invalid(`the messages are longer than ${MAX_PROMPT_CHARS} characters in all; trim the history`);
  if (!messages.some((m) => m.role !== 'system')) throw invalid('messages need at least one user or assistant message');
  const maxTokens = raw['maxTokens'] ?? DEFAULT_MAX_TOKENS;
  if (typeof maxTokens !== 'number' || !Number.isSafeInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_MAX_TOKENS) {
    throw invalid(`maxTokens must be a whole number from 1 to ${MAX_MAX_TOKENS}`);
  }
  const temperature = raw['temperature'];
  if (temperature !== undefined && (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2))) throw invalid('temperature must be a number from 0 to 2');
  const json = raw['json'];
  if (json !== undefined && (typeof json !== 'object' || json === null || Array.isArray(json))) throw invalid('json must be a JSON Schema object');
  return {
    provider,
    model,
    messages,
    stream: raw['stream'] === true,
    json: json as Record<string, unknown> | undefined,
    maxTokens,
    temperature: temperature as number | undefined,
  };
}

interface Priced {
  rate: Rate;
  feePercent: number;
}

interface CallOutcome {
  result: LlmCallResult;
  usage: ChatUsage;
  credits: number;
}

/**
 * `ctx.llm.chat` on the host: reserve the worst case, call the provider with `max_tokens` the hold
 * covers, stream deltas straight to the channel, settle the actual usage (RELIABILITY §5.4).
 *
 * @example
 * const llm = createLlmCapability({ ledger, rates: loadDefaultRates(), countTokens,
 *   connections: (_ws, provider) => provider === 'openai' ? { provider: 'openai', apiKey } : undefined });
 * composeCapabilities({ llm, ... });
 */
export function createLlmCapability(options: LlmCapabilityOptions): CapabilityHandler {
  const now = options.now ?? Date.now;
  const adapterOf = options.adapter ?? adapterFor;
  const countText = (text: string) => (text === '' ? 0 : countO200k(text, { disallowedSpecial: new Set<string>() }));

  function usageOf(reported: ReportedUsage, estimatedInput: number, text: string): ChatUsage {
    const input = reported.inputTokens;
    const output = reported.outputTokens;
    return {
      inputTokens: input ?? estimatedInput,
      outputTokens: output ?? countText(text),
      estimated: input === undefined || output === undefined,
    };
  }

  /** One provider call under its own hold, keyed by the call's sequence within the step. */
  async function call(
    request: ChatRequest,
    messages: LlmMessage[],
    priced: Priced,
    adapter: LlmAdapter,
    context: CapabilityContext,
    stream: ChannelStream | undefined,
  ): Promise<CallOutcome> {
    const key = `${context.idempotencyKey}/llm/${nextCallIndex(context, 'llm')}`;
    const inputTokens = options.countTokens(messages);
    const needed = holdFor({ rate: priced.rate, feePercent: priced.feePercent, inputTokens, maxTokens: request.maxTokens });
    const meta = { provider: request.provider, model: request.model, nodeId: context.nodeId, sessionKey: context.sessionKey };
    const held = await options.ledger.hold(context.workspaceId, key, needed, { ttlMs: HOLD_TTL_MS, meta });
    if (!held.ok) {
      throw new LlmError('insufficient_credits', `this call needs up to ${held.needed} credits; the workspace has ${held.available}`);
    }
    const hold = held.hold;
    const maxTokens = maxTokensWithin({ rate: priced.rate, feePercent: priced.feePercent, inputTokens, hold: hold.amount, limit: request.maxTokens });
    if (maxTokens === undefined || maxTokens < 1) {
      await options.ledger.release(hold.holdId);
      throw new LlmError('insufficient_credits', `this call needs up to ${needed} credits; its hold covers ${hold.amount}`);
    }
    const started = now();
    const settle = async (usage: ChatUsage) => {
      const priced_ = settleAmount({ ...priced, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, hold: hold.amount });
      const settled = await options.ledger.settle(hold.holdId, priced_.cost, {
        ...meta,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        estimated: usage.estimated,
        cost: priced_.cost,
        maxTokens,
        durationMs: now() - started,
      });
      return settled.charged;
    };
    let result: LlmCallResult;
    try {
      const callRequest = { model: request.model, messages, maxTokens, jsonMode: request.json !== undefined, ...(request.temperature === undefined ? {} : { temperature: request.temperature }) };
      result = await adapter.chat(callRequest, stream === undefined ? {} : { onDelta: (delta) => stream.write(delta) });
    } catch (error) {
      const partial = error instanceof LlmError ? error.partial : undefined;
      if (partial !== undefined && (partial.text !== '' || partial.usage.outputTokens !== undefined)) {
        // The provider produced (and bills) part of a reply: settle it from what was counted (B-04).
        const usage = usageOf(partial.usage, inputTokens, partial.text);
        await settle({ ...usage, estimated: true });
      } else {
        await options.ledger.release(hold.holdId);
      }
      throw error;
    }
    const usage = usageOf(result.usage, inputTokens, result.text);
    const credits = await settle(usage);
    return { result, usage, credits };
  }

  async function chat(args: unknown[], context: CapabilityContext): Promise<ChatResult> {
    const request = parseChatRequest(args[0]);
    const rate = rateFor(options.rates, request.provider, request.model);
    if (rate === undefined) throw new LlmError('llm_no_rate', `${noRateMessage(request.provider, request.model)}; this model cannot be used until it has one`);
    const connection = options.connections(context.workspaceId, request.provider);
    if (connection === undefined) {
      throw new LlmError('llm_no_connection', `this workspace has no ${request.provider} connection; add one with its API key`);
    }
    const priced: Priced = { rate, feePercent: options.rates.feePercent };
    const adapter = adapterOf(connection);
    let checker: JsonAnswerChecker | undefined;
    let messages = request.messages;
    if (request.json !== undefined) {
      checker = compileJsonAnswerChecker(request.json);
      messages = [{ role: 'system', content: jsonInstruction(request.json) }, ...messages];
    }
    // A JSON answer is checked before anyone sees it, so it is never streamed.
    const streamTo = request.stream && checker === undefined ? options.channel : undefined;
    const stream = streamTo?.stream?.(context, nextCallIndex(context, 'channel.stream'));

    let first: CallOutcome;
    try {
      first = await call(request, messages, priced, adapter, context, stream);
      refuseIfRefused(first.result, request.provider);
      if (stream !== undefined) await stream.end(first.result.text);
    } catch (error) {
      stream?.abort(error instanceof Error ? error.message : 'the call failed');
      throw error;
    }
    if (checker === undefined) {
      return { text: first.result.text, usage: first.usage, credits: first.credits, streamed: stream !== undefined };
    }
    const check = checker(first.result.text);
    if (check.ok) return { text: first.result.text, json: check.value, usage: first.usage, credits: first.credits, streamed: false };

    // One corrective retry: show the model its answer and what was wrong with it.
    const retryMessages: LlmMessage[] = [
      ...messages,
      { role: 'assistant', content: first.result.text },
      { role: 'user', content: `Your answer was not accepted: ${check.problem}. Answer again with only the corrected JSON.` },
    ];
    const second = await call(request, retryMessages, priced, adapter, context, undefined);
    refuseIfRefused(second.result, request.provider);
    const usage: ChatUsage = {
      inputTokens: first.usage.inputTokens + second.usage.inputTokens,
      outputTokens: first.usage.outputTokens + second.usage.outputTokens,
      estimated: first.usage.estimated || second.usage.estimated,
    };
    const credits = first.credits + second.credits;
    const recheck = checker(second.result.text);
    if (!recheck.ok) {
      throw new LlmError('llm_bad_response', `the model's answer did not match the JSON schema twice (${credits} credits charged): ${recheck.problem}`);
    }
    return { text: second.result.text, json: recheck.value, usage, credits, streamed: false };
  }

  return async (method, args, context) => {
    if (method !== 'chat') throw unknownMethod('llm', method);
    return chat(args, context);
  };
}

function refuseIfRefused(result: LlmCallResult, provider: string): void {
  if (result.stopReason !== 'refusal') return;
  const why = (result.refusal ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
  throw new LlmError('llm_refused', `the ${provider} model refused to answer${why === '' ? '' : `: ${why}`}`);
}
