import type { ServerResponse } from 'node:http';
import type { FakeReply, FakeRequest } from './script.js';
import type { TimerSet } from './sse.js';

/** Everything a protocol module needs to answer one request. */
export interface WireContext {
  readonly request: FakeRequest;
  readonly res: ServerResponse;
  readonly reply: FakeReply;
  readonly timers: TimerSet;
  /** Unique per request, used in response ids. */
  readonly seq: number;
}

/** One wire protocol (OpenAI chat completions or Anthropic messages). */
export interface WireProtocol {
  /** Error message when the request carries no acceptable API key. */
  checkAuth(request: FakeRequest): string | undefined;
  /** Error message when the body is not a valid request. */
  validate(request: FakeRequest): string | undefined;
  /** Sends an error in this API's JSON shape. */
  sendError(res: ServerResponse, status: number, message: string, headers?: Record<string, string>): void;
  /** Sends the (possibly faulty) reply. */
  respond(ctx: WireContext): Promise<void>;
}

/** Headers a scripted reply asks for, plus `retry-after`. */
export function replyHeaders(reply: FakeReply): Record<string, string> {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
  return headers;
}

/** Text of a message `content`: a string or an array of `{type:'text', text}` parts. */
export function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const texts: string[] = [];
  for (const part of content) {
    if (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
      texts.push((part as { text: string }).text);
    }
  }
  return texts;
}

/** Reads a positive integer field, or undefined. */
export function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** A single header value (first of repeated headers). */
export function header(request: FakeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The key the server treats as revoked. */
export const BAD_KEY = 'bad-key';
