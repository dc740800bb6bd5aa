import type { TranscriptEntry } from '../store/types.js';

/** A transcript entry as chat clients see it. */
export function presentEntry(entry: TranscriptEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { seq: entry.seq, role: entry.role, text: entry.text, at: entry.at };
  const payload = entry.payload ?? {};
  if (payload.buttons !== undefined) out.buttons = payload.buttons;
  if (payload.media !== undefined) out.media = payload.media;
  return out;
}
