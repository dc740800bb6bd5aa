import type { HistoryStore, LlmMessage } from '@nexusflow/engine';
import type { SqliteContext, Sync } from './context.js';

/**
 * Conversation memory (`core/memory`), per (workspace, contact), with the semantics of nodes'
 * `createMemoryHistoryStore`: an append is taken once per key (even an empty one), messages are
 * stored as plain `{ role, content }`, and `clear` forgets the keys too, since the thread starts over.
 */
export function sqliteHistory({ db }: SqliteContext): Sync<HistoryStore> {
  const load = db.prepare<[string, string], LlmMessage>('SELECT role, content FROM history_messages WHERE workspace_id = ? AND contact_id = ? ORDER BY seq');
  const takeKey = db.prepare('INSERT INTO history_keys (workspace_id, contact_id, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const insert = db.prepare('INSERT INTO history_messages (workspace_id, contact_id, role, content) VALUES (?, ?, ?, ?)');
  const clearKeys = db.prepare('DELETE FROM history_keys WHERE workspace_id = ? AND contact_id = ?');
  const clearMessages = db.prepare('DELETE FROM history_messages WHERE workspace_id = ? AND contact_id = ?');

  const append = db.transaction((workspaceId: string, contactId: string, messages: LlmMessage[], key: string) => {
    if (takeKey.run(workspaceId, contactId, key).changes === 0) return;
    for (const message of messages) insert.run(workspaceId, contactId, message.role, message.content);
  });
  const clear = db.transaction((workspaceId: string, contactId: string) => {
    clearKeys.run(workspaceId, contactId);
    clearMessages.run(workspaceId, contactId);
  });

  return {
    load: (workspaceId, contactId) => load.all(workspaceId, contactId).map((row) => ({ role: row.role, content: row.content })),
    append(workspaceId, contactId, messages, key) {
      append.immediate(workspaceId, contactId, messages, key);
    },
    clear(workspaceId, contactId) {
      clear.immediate(workspaceId, contactId);
    },
  };
}
