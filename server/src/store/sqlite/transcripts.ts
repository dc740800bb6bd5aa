import type { TranscriptEntry, TranscriptRepository, TranscriptRole } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { fromJson, toJson } from './json.js';
import { pageLimit } from './pagination.js';

interface TranscriptRow {
  workspace_id: string;
  session_id: string;
  seq: number;
  role: TranscriptRole;
  text: string;
  payload: string | null;
  key: string;
  at: number;
}

function entryOf(row: TranscriptRow): TranscriptEntry {
  const entry: TranscriptEntry = { sessionId: row.session_id, workspaceId: row.workspace_id, seq: row.seq, role: row.role, text: row.text, key: row.key, at: row.at };
  const payload = fromJson<Record<string, unknown>>(row.payload);
  if (payload !== undefined) entry.payload = payload;
  return entry;
}

/** Conversation transcripts: append-once by key, numbered per session in the write lock. */
export function sqliteTranscripts({ db }: SqliteContext): Sync<TranscriptRepository> {
  const byKey = db.prepare<[string, string], TranscriptRow>('SELECT * FROM transcripts WHERE workspace_id = ? AND key = ?');
  const nextSeq = db.prepare<[string, string], number>('SELECT coalesce(max(seq), 0) + 1 FROM transcripts WHERE workspace_id = ? AND session_id = ?').pluck();
  const insert = db.prepare(
    'INSERT INTO transcripts (workspace_id, session_id, seq, role, text, payload, key, at) VALUES (@workspace_id, @session_id, @seq, @role, @text, @payload, @key, @at)',
  );
  const list = db.prepare<[string, string, number, number], TranscriptRow>(
    'SELECT * FROM transcripts WHERE workspace_id = ? AND session_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  );

  const append = db.transaction((entry: Omit<TranscriptEntry, 'seq'>): { entry: TranscriptEntry; created: boolean } => {
    const earlier = byKey.get(entry.workspaceId, entry.key);
    if (earlier !== undefined) return { entry: entryOf(earlier), created: false };
    const row: TranscriptRow = {
      workspace_id: entry.workspaceId,
      session_id: entry.sessionId,
      seq: nextSeq.get(entry.workspaceId, entry.sessionId) ?? 1,
      role: entry.role,
      text: entry.text,
      payload: toJson(entry.payload),
      key: entry.key,
      at: entry.at,
    };
    insert.run(row);
    return { entry: entryOf(row), created: true };
  });

  return {
    append: (entry) => append.immediate(entry),
    list: (workspaceId, sessionId, query) => list.all(workspaceId, sessionId, query?.afterSeq ?? 0, pageLimit(query?.limit)).map(entryOf),
  };
}
