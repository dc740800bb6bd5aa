import { takeTokens, tokenize, tokensIn, type TokenPiece } from './tokens.js';

/** Which wire protocol a request used. */
export type FakeApi = 'openai' | 'anthropic';

/** One request as the fake server received it. */
export interface FakeRequest {
  readonly api: FakeApi;
  /** URL path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Request headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body (`{}` when the body was missing, too large or not a JSON object). */
  readonly body: Record<string, unknown>;
  /** `Date.now()` when the request's body had been read. */
  readonly receivedAt: number;
}

/**
 * A scripted reply: the text to answer with plus optional faults. Every field is optional;
 * `{}` answers with the server's default reply. Faults that don't apply to the API or mode
 * (e.g. `omitUsage` on Anthropic) are ignored.
 */
export interface FakeReply {
  /** Reply text; split into one stream chunk per token. */
  readonly text?: string;
  /** Answer with this HTTP error status instead (API-specific error JSON body). */
  readonly status?: number;
  /** Message inside the error body. */
  readonly errorMessage?: string;
  /** Seconds for the `retry-after` header (sent with any `status`). */
  readonly retryAfter?: number;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Wait this long before the first token. Streaming: headers go out at once (so the SDK's
   * `create()` resolves) and the wait sits before the first chunk carrying content (OpenAI: before
   * the role chunk; Anthropic: after `message_start`/`content_block_start`/`ping`).
   * Non-streaming: the whole response waits.
   */
  readonly delayFirstTokenMs?: number;
  /** Wait between token chunks (streaming only). */
  readonly tokenDelayMs?: number;
  /**
   * Destroy the socket after this many output tokens. Streaming: no final chunk, no usage,
   * no `[DONE]`/`message_stop`. Non-streaming: half the JSON body is sent, then the socket dies.
   */
  readonly cutAfterTokens?: number;
  /** OpenAI streaming: leave out the usage chunk even when `stream_options.include_usage` is set. */
  readonly omitUsage?: boolean;
  /**
   * Return and report this many tokens more than `max_tokens` allowed (the text is repeated if
   * it is too short). Without `max_tokens` in the request it has no effect.
   */
  readonly overrun?: number;
  /**
   * Anthropic streaming: split the final usage over this many `message_delta` events carrying
   * cumulative `output_tokens` (e.g. 10, 20, 30); only the last carries the stop reason.
   */
  readonly deltaUsageEvents?: number;
  /** Anthropic streaming: `message_start` reports `input_tokens: 0`; the real count rides on `message_delta`. */
  readonly inputTokensInDelta?: boolean;
  /**
   * A refusal. `true` refuses with `text` (or a stock sentence); a string is the refusal text.
   * OpenAI: `message.content: null`, `message.refusal` set, finish_reason `content_filter`
   * (streams send `delta.refusal`). Anthropic: the text as content, stop_reason `refusal`.
   */
  readonly refusal?: boolean | string;
}

/** A queued step: a reply text or a {@link FakeReply}. */
export type ScriptStep = string | FakeReply;

/** Decides the reply for a request when the queue is empty. */
export type FakeResponder = (request: FakeRequest) => ScriptStep | Promise<ScriptStep>;

/** Default text when nothing is scripted. */
export const DEFAULT_REPLY_TEXT = 'Hello from the fake LLM.';
const DEFAULT_REFUSAL_TEXT = "I'm sorry, but I can't help with that.";

/** Most steps the queue holds; a runaway test loop fails loudly instead of eating memory. */
export const MAX_QUEUED_STEPS = 10_000;

/** FIFO of scripted steps with a responder fallback. */
export class ScriptQueue {
  readonly #queue: ScriptStep[] = [];
  #responder: FakeResponder | undefined;

  constructor(responder?: FakeResponder) {
    this.#responder = responder;
  }

  /** Steps still queued. */
  get pending(): number {
    return this.#queue.length;
  }

  push(steps: readonly ScriptStep[]): void {
    if (this.#queue.length + steps.length > MAX_QUEUED_STEPS) {
      throw new RangeError(`fake LLM script queue is capped at ${MAX_QUEUED_STEPS} steps`);
    }
    this.#queue.push(...steps);
  }

  setResponder(responder: FakeResponder | undefined): void {
    this.#responder = responder;
  }

  clear(): void {
    this.#queue.length = 0;
  }

  /** The next queued step, else the responder's answer, else the default reply. */
  async next(request: FakeRequest): Promise<FakeReply> {
    const step = this.#queue.length > 0 ? this.#queue.shift() : await this.#responder?.(request);
    if (step === undefined) return { text: DEFAULT_REPLY_TEXT };
    return typeof step === 'string' ? { text: step } : step;
  }
}

/** Upper bound on generated tokens, so an overrun against a huge `max_tokens` stays cheap. */
export const MAX_REPLY_TOKENS = 100_000;

/** Why generation stopped, API-neutral. */
export type StopKind = 'stop' | 'length' | 'refusal';

/** What a reply turns into once the request's token limit is applied. */
export interface ReplyPlan {
  /** Pieces to send (one stream chunk each). */
  readonly pieces: readonly TokenPiece[];
  /** Concatenated text of `pieces`. */
  readonly text: string;
  /** Output tokens reported in usage. */
  readonly outputTokens: number;
  readonly stop: StopKind;
  readonly refusal: boolean;
}

/**
 * Applies `maxTokens` to a reply: truncate to the limit (stop `length`), or with `overrun: K`
 * return limit + K tokens while still reporting `length`.
 */
export function planReply(reply: FakeReply, maxTokens: number | undefined): ReplyPlan {
  const refusal = reply.refusal !== undefined && reply.refusal !== false;
  const text =
    typeof reply.refusal === 'string' ? reply.refusal : (reply.text ?? (refusal ? DEFAULT_REFUSAL_TEXT : DEFAULT_REPLY_TEXT));
  let pieces = tokenize(text);
  const total = tokensIn(pieces);
  let stop: StopKind = refusal ? 'refusal' : 'stop';
  if (maxTokens !== undefined && total > maxTokens) {
    stop = 'length';
    pieces = takeTokens(pieces, maxTokens);
  }
  const overrun = Math.max(0, Math.floor(reply.overrun ?? 0));
  if (maxTokens !== undefined && overrun > 0) {
    const target = Math.min(maxTokens + overrun, MAX_REPLY_TOKENS);
    const all = tokenize(text);
    // Repeat the text so an overrun is possible even when the reply is short.
    const source: TokenPiece[] = [];
    while (tokensIn(source) < target && all.length > 0) source.push(...all);
    pieces = takeTokens(source, target);
    stop = 'length';
  }
  return { pieces, text: pieces.map((p) => p.text).join(''), outputTokens: tokensIn(pieces), stop, refusal };
}
