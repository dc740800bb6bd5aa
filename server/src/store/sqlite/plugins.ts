import type { PluginManifest } from '@nexusflow/schemas';
import { newId } from '../ids.js';
import type { PluginRepository, StoredPlugin } from '../types.js';
import type { SqliteContext, Sync } from './context.js';

interface PluginRow {
  id: string;
  workspace_id: string;
  name: string;
  version: string;
  manifest: string;
  code: string;
  code_hash: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

function summaryOf(row: Omit<PluginRow, 'code'>): Omit<StoredPlugin, 'code'> {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    version: row.version,
    manifest: JSON.parse(row.manifest) as PluginManifest,
    codeHash: row.code_hash,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function pluginOf(row: PluginRow): StoredPlugin {
  return { ...summaryOf(row), code: row.code };
}

/** Uploaded plugin bundles, one per name in a workspace; a new upload replaces the bundle, not `enabled`. */
export function sqlitePlugins({ db, now }: SqliteContext): Sync<PluginRepository> {
  const put = db.prepare<{ id: string; ws: string; name: string; version: string; manifest: string; code: string; hash: string; at: number }, PluginRow>(
    `INSERT INTO plugins (id, workspace_id, name, version, manifest, code, code_hash, enabled, created_at, updated_at)
     VALUES (@id, @ws, @name, @version, @manifest, @code, @hash, 1, @at, @at)
     ON CONFLICT (workspace_id, name) DO UPDATE SET
       version = excluded.version, manifest = excluded.manifest, code = excluded.code, code_hash = excluded.code_hash, updated_at = excluded.updated_at
     RETURNING *`,
  );
  const get = db.prepare<[string, string], PluginRow>('SELECT * FROM plugins WHERE workspace_id = ? AND name = ?');
  const list = db.prepare<[string], Omit<PluginRow, 'code'>>(
    'SELECT id, workspace_id, name, version, manifest, code_hash, enabled, created_at, updated_at FROM plugins WHERE workspace_id = ? ORDER BY name',
  );
  const setEnabled = db.prepare<[number, number, string, string], PluginRow>('UPDATE plugins SET enabled = ?, updated_at = ? WHERE workspace_id = ? AND name = ? RETURNING *');
  const remove = db.prepare('DELETE FROM plugins WHERE workspace_id = ? AND name = ?');

  return {
    put: (workspaceId, input) =>
      pluginOf(
        put.get({ id: newId(), ws: workspaceId, name: input.name, version: input.version, manifest: JSON.stringify(input.manifest), code: input.code, hash: input.codeHash, at: now() })!,
      ),
    get(workspaceId, name) {
      const row = get.get(workspaceId, name);
      return row === undefined ? undefined : pluginOf(row);
    },
    list: (workspaceId) => list.all(workspaceId).map(summaryOf),
    setEnabled(workspaceId, name, enabled) {
      const row = setEnabled.get(enabled ? 1 : 0, now(), workspaceId, name);
      return row === undefined ? undefined : pluginOf(row);
    },
    delete: (workspaceId, name) => remove.run(workspaceId, name).changes > 0,
  };
}
