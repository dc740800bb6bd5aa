import { newId } from '../ids.js';
import type { ChannelMessage, ChannelMessageDirection, ChannelMessageRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { setOptional } from './json.js';

interface MessageRow {
  id: string;
  workspace_id: string;
  connection_id: string;
  direction: ChannelMessageDirection;
  key: string;
  provider_id: string | null;
  contact: string;
  status: string;
  payload: string;
  error: string | null;
  provider_at: number | null;
  created_at: number;
  updated_at: number;
}

function messageOf(row: MessageRow): ChannelMessage {
  const message: ChannelMessage = {
    id: row.id,
    workspaceId: row.workspace_id,
    connectionId: row.connection_id,
    direction: row.direction,
    key: row.key,
    contactExternalId: row.contact,
    status: row.status,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  setOptional(message, 'providerId', row.provider_id);
  setOptional(message, 'error', row.error);
  setOptional(message, 'providerAt', row.provider_at);
  return message;
}

/** The durable inbox and sent-key table of channel connections. */
export function sqliteChannelMessages({ db, now }: SqliteContext): Sync<ChannelMessageRepository> {
  // Insert-or-nothing on the unique (connection, direction, key), then read: the first writer wins.
  const insert = db.prepare(
    `INSERT INTO channel_messages (id, workspace_id, connection_id, direction, key, provider_id, contact, status, payload, error, provider_at, created_at, updated_at)
     VALUES (@id, @workspace_id, @connection_id, @direction, @key, @provider_id, @contact, @status, @payload, @error, @provider_at, @created_at, @updated_at)
     ON CONFLICT (connection_id, direction, key) DO NOTHING`,
  );
  const get = db.prepare<[string, ChannelMessageDirection, string], MessageRow>('SELECT * FROM channel_messages WHERE connection_id = ? AND direction = ? AND key = ?');
  const byId = db.prepare<[string], MessageRow>('SELECT * FROM channel_messages WHERE id = ?');
  const byProviderId = db.prepare<[string, string], MessageRow>("SELECT * FROM channel_messages WHERE connection_id = ? AND provider_id = ? AND direction = 'out'");
  const update = db.prepare('UPDATE channel_messages SET status = @status, provider_id = @provider_id, error = @error, updated_at = @updated_at WHERE id = @id');
  const listByStatus = db.prepare<[string, ChannelMessageDirection, string, number], MessageRow>(
    'SELECT * FROM channel_messages WHERE connection_id = ? AND direction = ? AND status = ? ORDER BY created_at, rowid LIMIT ?',
  );
  const lastInbound = db.prepare<[string, string], MessageRow>(
    "SELECT * FROM channel_messages WHERE connection_id = ? AND contact = ? AND direction = 'in' ORDER BY created_at DESC, rowid DESC LIMIT 1",
  );
  const countAll = db.prepare<[string, number], number>("SELECT count(*) FROM channel_messages WHERE connection_id = ? AND direction = 'out' AND created_at >= ?").pluck();
  const countContact = db.prepare<[string, string, number], number>(
    "SELECT count(*) FROM channel_messages WHERE connection_id = ? AND contact = ? AND direction = 'out' AND created_at >= ?",
  ).pluck();
  const purge = db.prepare('DELETE FROM channel_messages WHERE created_at < ?');

  const advance = db.transaction((id: string, status: string, rank: (status: string) => number, patch: { providerId?: string; error?: string }) => {
    const row = byId.get(id);
    if (row === undefined) return { message: undefined, moved: false };
    if (rank(status) <= rank(row.status)) return { message: messageOf(row), moved: false };
    const next: MessageRow = { ...row, status, provider_id: patch.providerId ?? row.provider_id, error: patch.error ?? row.error, updated_at: now() };
    update.run(next);
    return { message: messageOf(next), moved: true };
  });

  return {
    record(input) {
      const at = now();
      const inserted = insert.run({
        id: newId(),
        workspace_id: input.workspaceId,
        connection_id: input.connectionId,
        direction: input.direction,
        key: input.key,
        provider_id: input.providerId ?? null,
        contact: input.contactExternalId,
        status: input.status,
        payload: JSON.stringify(input.payload),
        error: input.error ?? null,
        provider_at: input.providerAt ?? null,
        created_at: at,
        updated_at: at,
      });
      return { message: messageOf(get.get(input.connectionId, input.direction, input.key)!), created: inserted.changes > 0 };
    },
    get(connectionId, direction, key) {
      const row = get.get(connectionId, direction, key);
      return row === undefined ? undefined : messageOf(row);
    },
    byProviderId(connectionId, providerId) {
      const row = byProviderId.get(connectionId, providerId);
      return row === undefined ? undefined : messageOf(row);
    },
    advance: (id, status, rank, patch = {}) => advance.immediate(id, status, rank, patch),
    listByStatus: (connectionId, direction, status, limit = 500) => listByStatus.all(connectionId, direction, status, limit).map(messageOf),
    lastInbound(connectionId, contactExternalId) {
      const row = lastInbound.get(connectionId, contactExternalId);
      return row === undefined ? undefined : messageOf(row);
    },
    countOutbound: (connectionId, since, contactExternalId) =>
      contactExternalId === undefined ? countAll.get(connectionId, since)! : countContact.get(connectionId, contactExternalId, since)!,
    purge: (before) => purge.run(before).changes,
  };
}
