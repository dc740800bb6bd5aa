/** The `/chat` Socket.IO protocol as the widget sees it (server side: server/src/chat/sockets.ts). */

export type EntryRole = 'user' | 'bot' | 'operator' | 'system';

export interface QuickReplyButton {
  title: string;
  payload?: string;
}

export interface Media {
  url: string;
  type?: 'image' | 'audio' | 'video' | 'file';
}

/** One transcript entry: history items and `reply` events. */
export interface Entry {
  seq: number;
  role: EntryRole;
  text: string;
  at: number;
  buttons?: QuickReplyButton[];
  media?: Media;
  /** Set on the reply that completes a streamed answer: it replaces the streamed bubble. */
  streamId?: string;
}

export interface ChatFailure {
  code: string;
  status: number;
  message: string;
}

export interface OutgoingMessage {
  text: string;
  payload?: string;
  /** Idempotency key: a resend after a dropped connection is answered, not run twice. */
  clientMessageId: string;
}

export type MessageAck = { ok: true; replies: Entry[] } | { ok: false; error: ChatFailure };
export type HistoryAck = { ok: true; history: Entry[] } | { ok: false; error: ChatFailure };

/** Most entries one `ready` or `history` answer carries; a full page means ask again. */
export const HISTORY_PAGE = 100;

const ROLES: readonly string[] = ['user', 'bot', 'operator', 'system'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keeps what the widget can draw from an untrusted entry; answers undefined for anything malformed. */
export function readEntry(value: unknown): Entry | undefined {
  if (!isObject(value) || typeof value.seq !== 'number' || typeof value.text !== 'string' || typeof value.role !== 'string' || !ROLES.includes(value.role)) return undefined;
  const entry: Entry = { seq: value.seq, role: value.role as EntryRole, text: value.text, at: typeof value.at === 'number' ? value.at : Date.now() };
  if (Array.isArray(value.buttons)) {
    const buttons = value.buttons.filter((b): b is QuickReplyButton => isObject(b) && typeof b.title === 'string' && (b.payload === undefined || typeof b.payload === 'string'));
    if (buttons.length > 0) entry.buttons = buttons.map((b) => (b.payload === undefined ? { title: b.title } : { title: b.title, payload: b.payload }));
  }
  if (isObject(value.media) && typeof value.media.url === 'string') {
    const type = value.media.type;
    entry.media = { url: value.media.url, ...(type === 'image' || type === 'audio' || type === 'video' || type === 'file' ? { type } : {}) };
  }
  if (typeof value.streamId === 'string') entry.streamId = value.streamId;
  return entry;
}

export function readEntries(value: unknown): Entry[] {
  return Array.isArray(value) ? value.map(readEntry).filter((e): e is Entry => e !== undefined) : [];
}

export function readFailure(value: unknown): ChatFailure {
  const v = isObject(value) ? value : {};
  return {
    code: typeof v.code === 'string' ? v.code : 'unknown_error',
    status: typeof v.status === 'number' ? v.status : 500,
    message: typeof v.message === 'string' ? v.message : 'something went wrong',
  };
}
