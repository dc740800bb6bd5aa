import type { Store } from '../types.js';
import type { SqliteContext, Sync } from './context.js';

/** Workspace secrets, stored as given (the caller encrypts if it wants them encrypted at rest). */
export function sqliteSecrets({ db, now }: SqliteContext): Sync<Store['secrets']> {
  const get = db.prepare<[string, string], string>('SELECT value FROM secrets WHERE workspace_id = ? AND name = ?').pluck();
  const put = db.prepare('INSERT INTO secrets (workspace_id, name, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
  const remove = db.prepare('DELETE FROM secrets WHERE workspace_id = ? AND name = ?');
  const names = db.prepare<[string], string>('SELECT name FROM secrets WHERE workspace_id = ? ORDER BY name').pluck();
  return {
    get: (workspaceId, name) => get.get(workspaceId, name),
    put(workspaceId, name, value) {
      put.run(workspaceId, name, value, now());
    },
    delete: (workspaceId, name) => remove.run(workspaceId, name).changes > 0,
    names: (workspaceId) => names.all(workspaceId),
  };
}
