import type { ErrorInfo } from '@nexusflow/engine';
import type { SessionEvent } from '../runtime/session-events.js';
import type { ChatTurn } from './chat-service.js';

/** What a channel tells the person when a turn failed: a code, an HTTP-like status and a sentence. */
export interface ChatFailure {
  code: string;
  status: number;
  message: string;
}

const STATUS: Record<string, number> = { insufficient_credits: 402, queue_full: 429, runtime_closed: 503, sandbox_busy: 503, session_unrecoverable: 409, cluster_unavailable: 503, session_taken_over: 409 };

/**
 * The failure a person should see for a turn: lack of credits wins even when the flow handled it
 * through an error port without saying anything, because otherwise the person just gets silence.
 */
export function turnFailure(turn: ChatTurn, seen: readonly SessionEvent[]): ChatFailure | undefined {
  let credits: ErrorInfo | undefined = turn.result.error?.code === 'insufficient_credits' ? turn.result.error : undefined;
  for (const e of seen) if (credits === undefined && e.type === 'trace' && e.event.type === 'node.error' && e.event.error.code === 'insufficient_credits') credits = e.event.error;
  if (credits !== undefined && turn.replies.length === 0) return { code: 'insufficient_credits', status: 402, message: 'this workspace has run out of credits; top up to keep chatting' };
  if (turn.result.status === 'failed' && turn.result.error !== undefined) {
    const { code, message } = turn.result.error;
    return { code, status: STATUS[code] ?? 500, message };
  }
  return undefined;
}

/** The same for an error thrown before or around a turn (queue full, shutting down, bad input). */
export function thrownFailure(error: unknown): ChatFailure {
  const e = error as { code?: unknown; status?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'internal_error';
  const status = typeof e?.status === 'number' ? e.status : STATUS[code] ?? 500;
  const message = status >= 500 && STATUS[code] === undefined ? 'something went wrong while answering; try again' : typeof e?.message === 'string' ? e.message : 'the message was refused';
  return { code, status, message };
}
