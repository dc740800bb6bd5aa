import type { Socket } from 'socket.io';
import type { SessionEvent } from '../runtime/session-events.js';
import { presentEntry } from './present.js';

/** Largest handshake `auth` object, in characters of JSON. */
export const MAX_AUTH_BYTES = 4096;

export type Ack = (answer: unknown) => void;

/** The acknowledgement callback of an event, or a no-op when the client sent none. */
export const ackOf = (value: unknown): Ack => (typeof value === 'function' ? (value as Ack) : () => undefined);

/** Size of a handshake's auth object; infinite when it cannot be serialised (refused as too large). */
export function authSize(auth: unknown): number {
  try {
    return JSON.stringify(auth ?? {}).length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A session event as chat clients receive it. */
export function forward(socket: Socket, event: SessionEvent): void {
  if (event.type === 'token') socket.emit('token', { streamId: event.streamId, delta: event.delta });
  else if (event.type === 'reply') socket.emit('reply', { ...presentEntry(event.entry), ...(event.streamId === undefined ? {} : { streamId: event.streamId }) });
  else if (event.type === 'typing') socket.emit('typing', { on: event.on });
  else if (event.type === 'stream.aborted') socket.emit('stream_aborted', { streamId: event.streamId });
}
