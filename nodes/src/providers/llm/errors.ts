import { NexusError, type EngineErrorCode } from '@nexusflow/engine';
import type { LlmProviderName, ReportedUsage } from './types.js';

/**
 * Codes of failed model calls. The capability layer passes snake_case codes through to the isolate,
 * where a node can read `error.code`.
 */
export type LlmErrorCode =
  | 'llm_auth'
  | 'llm_rate_limited'
  | 'llm_timeout'
  | 'llm_server_error'
  | 'llm_request_rejected'
  | 'llm_refused'
  | 'llm_bad_response'
  | 'llm_no_rate'
  | 'llm_no_connection'
  | 'llm_invalid_request'
  | 'insufficient_credits';

/** A failed model call. `partial` is what a cut stream delivered before it broke (B-04). */
export class LlmError extends NexusError {
  readonly llmCode: LlmErrorCode;
  readonly retryAfterSeconds: number | undefined;
  partial: { text: string; usage: ReportedUsage } | undefined;

  constructor(code: LlmErrorCode, message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    // Not an engine code: the capability layer passes any snake_case code through unchanged.
    super(code as unknown as EngineErrorCode, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LlmError';
    this.llmCode = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

interface ApiErrorLike {
  status?: number;
  headers?: { get(name: string): string | null } | Record<string, string> | undefined;
  message?: string;
}

function header(error: ApiErrorLike, name: string): string | undefined {
  const headers = error.headers;
  if (headers === undefined || headers === null) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const value = (headers as Record<string, string>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterSeconds(error: ApiErrorLike, now = Date.now()): number | undefined {
  const ms = Number(header(error, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && header(error, 'retry-after-ms') !== undefined) return Math.ceil(ms / 1000);
  const raw = header(error, 'retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function providerDetail(error: ApiErrorLike): string {
  const text = typeof error.message === 'string' ? error.message.replace(/\s+/g, ' ').trim() : '';
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/**
 * Turns anything an SDK threw into an LlmError with a sentence a flow author understands.
 * `timedOut` is true when our own first-token or idle timer aborted the call.
 */
export function mapProviderError(error: unknown, provider: LlmProviderName, context: { timeoutMs: number; timedOut: boolean; baseURL?: string }): LlmError {
  if (error instanceof LlmError) return error;
  if (context.timedOut) {
    return new LlmError('llm_timeout', `${provider} did not answer within ${context.timeoutMs} ms (the connection's timeoutMs)`, { cause: error });
  }
  const name = (error as { name?: unknown } | null)?.name;
  const api = (typeof error === 'object' && error !== null ? error : {}) as ApiErrorLike;
  if (name === 'APIConnectionTimeoutError') {
    return new LlmError('llm_timeout', `${provider} did not answer within ${context.timeoutMs} ms (the connection's timeoutMs)`, { cause: error });
  }
  const status = typeof api.status === 'number' ? api.status : undefined;
  if (status === 401 || status === 403) {
    return new LlmError('llm_auth', `the ${provider} API key was refused (${status}); check the connection's key`, { cause: error });
  }
  if (status === 429) {
    const after = retryAfterSeconds(api);
    const when = after === undefined ? 'retry later' : `retry after ${after} s`;
    return new LlmError('llm_rate_limited', `${provider} is rate limiting this key (429); ${when}`, {
      cause: error,
      ...(after === undefined ? {} : { retryAfterSeconds: after }),
    });
  }
  if (status !== undefined && status >= 500) {
    const detail = providerDetail(api);
    return new LlmError('llm_server_error', `${provider} failed with HTTP ${status}${detail === '' ? '' : ` (${detail})`}; try again later`, { cause: error });
  }
  if (status !== undefined && status >= 400) {
    const detail = providerDetail(api);
    return new LlmError('llm_request_rejected', `${provider} rejected the request with HTTP ${status}${detail === '' ? '' : ` (${detail})`}; check the model name and settings`, { cause: error });
  }
  if (name === 'APIConnectionError') {
    const where = context.baseURL === undefined ? '' : ` at ${context.baseURL}`;
    return new LlmError('llm_server_error', `could not reach ${provider}${where}; check the connection's base URL and the network`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new LlmError('llm_bad_response', `${provider} answered in a way that could not be read (${detail.slice(0, 200)})`, { cause: error });
}
