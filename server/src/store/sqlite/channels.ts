import { newId } from '../ids.js';
import type { ChannelConnection, ChannelConnectionRepository, ChannelKind } from '../types.js';
import type { SqliteContext, Sync } from './context.js';

interface ChannelRow {
  id: string;
  workspace_id: string;
  deployment_id: string;
  kind: ChannelKind;
  name: string;
  config: string;
  status: string;
  created_at: number;
  updated_at: number;
}

function channelOf(row: ChannelRow): ChannelConnection {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    deploymentId: row.deployment_id,
    kind: row.kind,
    name: row.name,
    config: JSON.parse(row.config) as Record<string, unknown>,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Channel connections (WhatsApp numbers, widgets ...) of a workspace's deployments. */
export function sqliteChannels({ db, now }: SqliteContext): Sync<ChannelConnectionRepository> {
  const insert = db.prepare(
    'INSERT INTO channels (id, workspace_id, deployment_id, kind, name, config, status, created_at, updated_at) VALUES (@id, @workspace_id, @deployment_id, @kind, @name, @config, @status, @created_at, @updated_at)',
  );
  const get = db.prepare<[string, string], ChannelRow>('SELECT * FROM channels WHERE workspace_id = ? AND id = ?');
  const list = db.prepare<[string], ChannelRow>('SELECT * FROM channels WHERE workspace_id = ? ORDER BY created_at DESC, id DESC');
  const byId = db.prepare<[string], ChannelRow>('SELECT * FROM channels WHERE id = ?');
  const listAll = db.prepare<[], ChannelRow>('SELECT * FROM channels ORDER BY created_at, id');
  const update = db.prepare('UPDATE channels SET name = @name, config = @config, status = @status, updated_at = @updated_at WHERE workspace_id = @workspace_id AND id = @id');
  const remove = db.prepare('DELETE FROM channels WHERE workspace_id = ? AND id = ?');

  const updateTx = db.transaction((workspaceId: string, id: string, patch: { name?: string; config?: Record<string, unknown>; status?: string }) => {
    const row = get.get(workspaceId, id);
    if (row === undefined) return undefined;
    const next: ChannelRow = {
      ...row,
      name: patch.name ?? row.name,
      config: patch.config === undefined ? row.config : JSON.stringify(patch.config),
      status: patch.status ?? row.status,
      updated_at: now(),
    };
    update.run(next);
    return channelOf(next);
  });

  return {
    create(workspaceId, input) {
      const at = now();
      const row: ChannelRow = {
        id: newId(),
        workspace_id: workspaceId,
        deployment_id: input.deploymentId,
        kind: input.kind,
        name: input.name,
        config: JSON.stringify(input.config),
        status: input.status,
        created_at: at,
        updated_at: at,
      };
      insert.run(row);
      return channelOf(row);
    },
    get(workspaceId, id) {
      const row = get.get(workspaceId, id);
      return row === undefined ? undefined : channelOf(row);
    },
    byId(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : channelOf(row);
    },
    list: (workspaceId) => list.all(workspaceId).map(channelOf),
    listAll: () => listAll.all().map(channelOf),
    update: (workspaceId, id, patch) => updateTx.immediate(workspaceId, id, patch),
    delete: (workspaceId, id) => remove.run(workspaceId, id).changes > 0,
  };
}
