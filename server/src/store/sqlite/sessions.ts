import type { SessionRecord } from '@nexusflow/engine';
import { StoreError, fencedError } from '../errors.js';
import { newId } from '../ids.js';
import type { ChannelKind, Handoff, SessionInfo, SessionRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { fromJson } from './json.js';
import { decodeCursor, pageLimit, pageOf } from './pagination.js';

interface SessionRow {
  id: string;
  workspace_id: string;
  deployment_id: string;
  contact_id: string;
  channel: ChannelKind;
  version_id: string;
  record: string | null;
  status: string | null;
  handoff: string | null;
  created_at: number;
  updated_at: number;
}

function summaryOf(row: SessionRow): Omit<SessionInfo, 'record'> {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    deploymentId: row.deployment_id,
    contactId: row.contact_id,
    channel: row.channel,
    versionId: row.version_id,
    ...(row.handoff === null || row.handoff === undefined ? {} : { handoff: JSON.parse(row.handoff) as Handoff }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A record whose text no longer parses is handed on as it is: the engine checks every record it
 * loads, reports that one session as `session_unrecoverable`, and a reset starts it again (C-04).
 */
function recordOf(text: string | null): SessionRecord | undefined {
  try {
    return fromJson<SessionRecord>(text);
  } catch {
    return text as unknown as SessionRecord;
  }
}

function sessionOf(row: SessionRow): SessionInfo {
  const record = recordOf(row.record);
  return record === undefined ? summaryOf(row) : { ...summaryOf(row), record };
}

/** Conversations: one per (deployment, contact), carrying the engine's session record. */
export function sqliteSessions({ db, now }: SqliteContext): Sync<SessionRepository> {
  // Find-or-create in one statement on the unique (workspace, deployment, contact): two first
  // messages at once open one conversation. The no-op update makes RETURNING answer the existing row.
  const open = db.prepare<{ id: string; ws: string; deployment: string; contact: string; channel: ChannelKind; version: string; at: number }, SessionRow>(
    `INSERT INTO sessions (id, workspace_id, deployment_id, contact_id, channel, version_id, created_at, updated_at)
     VALUES (@id, @ws, @deployment, @contact, @channel, @version, @at, @at)
     ON CONFLICT (workspace_id, deployment_id, contact_id) DO UPDATE SET id = id
     RETURNING *`,
  );
  const get = db.prepare<[string, string], SessionRow>('SELECT * FROM sessions WHERE workspace_id = ? AND id = ?');
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const list = db.prepare<{ ws: string; deployment: string | null; contact: string | null; at: number | null; id: string | null; limit: number }, SessionRow>(
    `SELECT id, workspace_id, deployment_id, contact_id, channel, version_id, NULL AS record, status, handoff, created_at, updated_at FROM sessions
     WHERE workspace_id = @ws AND (@deployment IS NULL OR deployment_id = @deployment) AND (@contact IS NULL OR contact_id = @contact)
       AND (@at IS NULL OR created_at < @at OR (created_at = @at AND id < @id))
     ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const saveRecord = db.prepare<{ record: string; status: string; at: number; id: string; fence: number | null }>(
    'UPDATE sessions SET record = @record, status = @status, updated_at = @at WHERE id = @id AND (@fence IS NULL OR fence = @fence)',
  );
  const claim = db.prepare<[string], number>('UPDATE sessions SET fence = fence + 1 WHERE id = ? RETURNING fence').pluck();
  const fenceOfRow = db.prepare<[string], number>('SELECT fence FROM sessions WHERE id = ?').pluck();
  const setVersion = db.prepare('UPDATE sessions SET version_id = ?, updated_at = ? WHERE workspace_id = ? AND id = ?');
  const setHandoff = db.prepare<[string | null, number, string, string], SessionRow>('UPDATE sessions SET handoff = ?, updated_at = ? WHERE workspace_id = ? AND id = ? RETURNING *');
  const listRunning = db.prepare<[], string>("SELECT id FROM sessions WHERE status = 'running' ORDER BY id").pluck();

  return {
    open: (workspaceId, input) =>
      sessionOf(open.get({ id: newId(), ws: workspaceId, deployment: input.deploymentId, contact: input.contactId, channel: input.channel, version: input.versionId, at: now() })!),
    get(workspaceId, id) {
      const row = get.get(workspaceId, id);
      return row === undefined ? undefined : sessionOf(row);
    },
    byId(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : sessionOf(row);
    },
    list(workspaceId, query) {
      const limit = pageLimit(query?.limit);
      const [at, id] = query?.cursor === undefined ? [null, null] : decodeCursor(query.cursor, ['number', 'string'] as const);
      const rows = list.all({ ws: workspaceId, deployment: query?.deploymentId ?? null, contact: query?.contactId ?? null, at, id, limit: limit + 1 });
      return pageOf(rows, limit, summaryOf, (row) => [row.created_at, row.id]);
    },
    saveRecord(id, record, fence) {
      // One UPDATE: atomic per session. A record for no session is an error, not a silent loss.
      if (saveRecord.run({ record: JSON.stringify(record), status: record.status, at: now(), id, fence: fence ?? null }).changes === 0) {
        const current = fenceOfRow.get(id);
        if (current === undefined) throw new StoreError('not_found', `no session has the id ${id}; open it before saving its record`);
        throw fencedError(id, fence as number, current);
      }
    },
    claim(id) {
      const fence = claim.get(id);
      if (fence === undefined) throw new StoreError('not_found', `no session has the id ${id}; open it before running a turn`);
      return fence;
    },
    setVersion(workspaceId, id, versionId) {
      setVersion.run(versionId, now(), workspaceId, id);
    },
    setHandoff(workspaceId, id, handoff) {
      const row = setHandoff.get(handoff === null ? null : JSON.stringify({ by: handoff.by, at: handoff.at }), now(), workspaceId, id);
      return row === undefined ? undefined : sessionOf(row);
    },
    listRunning: () => listRunning.all(),
  };
}
