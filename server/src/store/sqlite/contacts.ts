import { newId } from '../ids.js';
import type { ChannelKind, Contact, ContactRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { setOptional } from './json.js';
import { decodeCursor, pageLimit, pageOf } from './pagination.js';

interface ContactRow {
  id: string;
  workspace_id: string;
  channel: ChannelKind;
  external_id: string;
  name: string | null;
  vars: string;
  first_seen_at: number;
  last_seen_at: number;
}

function contactOf(row: ContactRow): Contact {
  const contact: Contact = {
    id: row.id,
    workspaceId: row.workspace_id,
    channel: row.channel,
    externalId: row.external_id,
    vars: JSON.parse(row.vars) as Record<string, unknown>,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
  };
  setOptional(contact, 'name', row.name);
  return contact;
}

/** Contacts, one per (workspace, channel, external id); listed newest first by first sighting. */
export function sqliteContacts({ db }: SqliteContext): Sync<ContactRepository> {
  // One statement finds or creates, so two first messages at once make one contact. `lastSeenAt`
  // never moves back (a late, older message does not hide a newer visit); a given name replaces the old one.
  const upsert = db.prepare<{ id: string; ws: string; channel: ChannelKind; external: string; name: string | null; at: number }, ContactRow>(
    `INSERT INTO contacts (id, workspace_id, channel, external_id, name, vars, first_seen_at, last_seen_at)
     VALUES (@id, @ws, @channel, @external, @name, '{}', @at, @at)
     ON CONFLICT (workspace_id, channel, external_id) DO UPDATE SET
       last_seen_at = max(last_seen_at, excluded.last_seen_at),
       name = coalesce(excluded.name, name)
     RETURNING *`,
  );
  const get = db.prepare<[string, string], ContactRow>('SELECT * FROM contacts WHERE workspace_id = ? AND id = ?');
  const byExternal = db.prepare<[string, string, string], ContactRow>('SELECT * FROM contacts WHERE workspace_id = ? AND channel = ? AND external_id = ?');
  const list = db.prepare<{ ws: string; at: number | null; id: string | null; limit: number }, ContactRow>(
    `SELECT * FROM contacts WHERE workspace_id = @ws AND (@at IS NULL OR first_seen_at < @at OR (first_seen_at = @at AND id < @id))
     ORDER BY first_seen_at DESC, id DESC LIMIT @limit`,
  );
  const setVars = db.prepare('UPDATE contacts SET vars = ? WHERE workspace_id = ? AND id = ?');

  const mergeVars = db.transaction((workspaceId: string, id: string, vars: Record<string, unknown>) => {
    const row = get.get(workspaceId, id);
    if (row === undefined) return;
    setVars.run(JSON.stringify({ ...(JSON.parse(row.vars) as Record<string, unknown>), ...vars }), workspaceId, id);
  });

  return {
    upsert: (workspaceId, channel, externalId, at, name) =>
      contactOf(upsert.get({ id: newId(), ws: workspaceId, channel, external: externalId, name: name ?? null, at })!),
    get(workspaceId, id) {
      const row = get.get(workspaceId, id);
      return row === undefined ? undefined : contactOf(row);
    },
    byExternalId(workspaceId, channel, externalId) {
      const row = byExternal.get(workspaceId, channel, externalId);
      return row === undefined ? undefined : contactOf(row);
    },
    list(workspaceId, query) {
      const limit = pageLimit(query?.limit);
      const [at, id] = query?.cursor === undefined ? [null, null] : decodeCursor(query.cursor, ['number', 'string'] as const);
      return pageOf(list.all({ ws: workspaceId, at, id, limit: limit + 1 }), limit, contactOf, (row) => [row.first_seen_at, row.id]);
    },
    mergeVars(workspaceId, id, vars) {
      mergeVars.immediate(workspaceId, id, vars);
    },
  };
}
