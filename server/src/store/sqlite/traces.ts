import type { TraceEvent } from '@nexusflow/engine';
import type { StoredTraceEvent, TraceRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { pageLimit } from './pagination.js';

interface TraceRow {
  workspace_id: string;
  session_id: string;
  seq: number;
  event: string;
  at: number;
}

function traceOf(row: TraceRow): StoredTraceEvent {
  return { sessionId: row.session_id, workspaceId: row.workspace_id, seq: row.seq, event: JSON.parse(row.event) as TraceEvent, at: row.at };
}

/** Trace events per session, numbered in the write lock; a batch is written whole or not at all. */
export function sqliteTraces({ db, now }: SqliteContext): Sync<TraceRepository> {
  const nextSeq = db.prepare<[string, string], number>('SELECT coalesce(max(seq), 0) + 1 FROM traces WHERE workspace_id = ? AND session_id = ?').pluck();
  const insert = db.prepare('INSERT INTO traces (workspace_id, session_id, seq, event, at) VALUES (?, ?, ?, ?, ?)');
  const list = db.prepare<[string, string, number, number], TraceRow>('SELECT * FROM traces WHERE workspace_id = ? AND session_id = ? AND seq > ? ORDER BY seq LIMIT ?');

  const append = db.transaction((workspaceId: string, sessionId: string, events: TraceEvent[]) => {
    let seq = nextSeq.get(workspaceId, sessionId) ?? 1;
    for (const event of events) {
      insert.run(workspaceId, sessionId, seq++, JSON.stringify(event), typeof event.at === 'number' ? event.at : now());
    }
  });

  return {
    append(workspaceId, sessionId, events) {
      if (events.length > 0) append.immediate(workspaceId, sessionId, events);
    },
    list: (workspaceId, sessionId, query) => list.all(workspaceId, sessionId, query?.afterSeq ?? 0, pageLimit(query?.limit)).map(traceOf),
  };
}
