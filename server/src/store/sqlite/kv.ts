import type { KvStore } from '@nexusflow/engine';
import type { SqliteContext, Sync } from './context.js';

/**
 * Plugin key-value storage, per (workspace, plugin), with the semantics of nodes'
 * `createMemoryKvStore`: values are JSON copies, a missing key reads `undefined`, and setting a
 * value JSON cannot hold (`undefined`) leaves the key missing.
 */
export function sqliteKv({ db }: SqliteContext): Sync<KvStore> {
  const get = db.prepare<[string, string, string], string>('SELECT value FROM kv WHERE workspace_id = ? AND plugin = ? AND key = ?').pluck();
  const set = db.prepare('INSERT INTO kv (workspace_id, plugin, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, plugin, key) DO UPDATE SET value = excluded.value');
  const remove = db.prepare('DELETE FROM kv WHERE workspace_id = ? AND plugin = ? AND key = ?');
  return {
    get(workspaceId, plugin, key) {
      const text = get.get(workspaceId, plugin, key);
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    },
    set(workspaceId, plugin, key, value) {
      const text = JSON.stringify(value) as string | undefined;
      if (text === undefined) remove.run(workspaceId, plugin, key);
      else set.run(workspaceId, plugin, key, text);
    },
    delete(workspaceId, plugin, key) {
      remove.run(workspaceId, plugin, key);
    },
  };
}
