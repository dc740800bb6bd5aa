import type { TranscriptEntry, TranscriptRole } from '../../api/index.js';

const ROLES: readonly TranscriptRole[] = ['user', 'bot', 'operator', 'system'];

/**
 * A transcript entry from a live `/studio` event (`message` for the contact's messages, `reply`
 * for bot, operator and system entries), or undefined when the payload is not one.
 */
export function entryFromEvent(raw: unknown): TranscriptEntry | undefined {
  const event = raw as { seq?: unknown; role?: unknown; text?: unknown; at?: unknown; buttons?: unknown; media?: unknown } | null;
  if (typeof event !== 'object' || event === null) return undefined;
  if (typeof event.seq !== 'number' || typeof event.text !== 'string' || !ROLES.includes(event.role as TranscriptRole)) return undefined;
  const payload: Record<string, unknown> = {};
  if (event.buttons !== undefined) payload.buttons = event.buttons;
  if (event.media !== undefined) payload.media = event.media;
  return {
    seq: event.seq,
    role: event.role as TranscriptRole,
    text: event.text,
    at: typeof event.at === 'number' ? event.at : Date.now(),
    ...(Object.keys(payload).length === 0 ? {} : { payload }),
  };
}

/**
 * The transcript in order with live entries folded in: one entry per `seq` (the same entry arrives
 * from the fetch, the socket and an operator's send answer), the later source winning.
 */
export function mergeEntries(base: readonly TranscriptEntry[], live: readonly TranscriptEntry[]): TranscriptEntry[] {
  if (live.length === 0) return [...base];
  const bySeq = new Map<number, TranscriptEntry>();
  for (const entry of base) bySeq.set(entry.seq, entry);
  for (const entry of live) bySeq.set(entry.seq, { ...bySeq.get(entry.seq), ...entry });
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
