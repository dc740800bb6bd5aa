import { EventEmitter } from 'node:events';
import type { TraceEvent } from '@nexusflow/engine';
import type { TranscriptEntry } from '../store/types.js';

/** What happens in a session, as sockets, SSE streams and request collectors see it. */
export type SessionEvent =
  | { type: 'token'; sessionId: string; streamId: string; delta: string }
  | { type: 'reply'; sessionId: string; entry: TranscriptEntry; streamId?: string }
  /** A person's message came in (the operator's live view shows it; the widget already has it). */
  | { type: 'message'; sessionId: string; entry: TranscriptEntry }
  /** An operator took the conversation over (`handoff`) or handed it back (undefined). */
  | { type: 'handoff'; sessionId: string; handoff?: { by: string; at: number } }
  | { type: 'stream.aborted'; sessionId: string; streamId: string; reason: string }
  | { type: 'typing'; sessionId: string; on: boolean }
  | { type: 'trace'; sessionId: string; workspaceId: string; event: TraceEvent };

/**
 * In-process fan-out of session events, keyed by session id. Listeners are per session, so a
 * busy server does not wake every socket for every token.
 */
export interface SessionEvents {
  emit(event: SessionEvent): void;
  /** Listens to one session; returns the function that stops listening. */
  on(sessionId: string, listener: (event: SessionEvent) => void): () => void;
  /** Listens to what happens on this process only (a turn collecting its own replies). */
  onLocal(sessionId: string, listener: (event: SessionEvent) => void): () => void;
  /** Listens to every session (metrics, logs). */
  onAny(listener: (event: SessionEvent) => void): () => void;
}

export function createSessionEvents(): SessionEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const ANY = '\u0000any';
  function listen(sessionId: string, listener: (event: SessionEvent) => void): () => void {
    emitter.on(sessionId, listener);
    return () => emitter.off(sessionId, listener);
  }
  return {
    emit(event) {
      emitter.emit(event.sessionId, event);
      emitter.emit(ANY, event);
    },
    on: listen,
    // Alone, this process is everything there is: local listening is listening.
    onLocal: listen,
    onAny(listener) {
      emitter.on(ANY, listener);
      return () => emitter.off(ANY, listener);
    },
  };
}
