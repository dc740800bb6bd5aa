import type { HistoryStore, LlmMessage } from '@nexusflow/engine';

interface Thread {
  messages: LlmMessage[];
  keys: Set<string>;
}

/**
 * In-memory HistoryStore, for tests and the terminal chat. Appends are deduplicated by key; the keys
 * are forgotten on `clear`, since a cleared thread starts over. Messages are stored as copies, so a
 * caller changing its array changes nothing stored.
 */
export function createMemoryHistoryStore(): HistoryStore {
  const threads = new Map<string, Thread>();
  const id = (workspaceId: string, contactId: string) => JSON.stringify([workspaceId, contactId]);
  const thread = (workspaceId: string, contactId: string): Thread => {
    const key = id(workspaceId, contactId);
    let found = threads.get(key);
    if (found === undefined) threads.set(key, (found = { messages: [], keys: new Set() }));
    return found;
  };
  return {
    async load(workspaceId, contactId) {
      return (threads.get(id(workspaceId, contactId))?.messages ?? []).map((m) => ({ role: m.role, content: m.content }));
    },
    async append(workspaceId, contactId, messages, key) {
      const target = thread(workspaceId, contactId);
      if (target.keys.has(key)) return;
      target.keys.add(key);
      target.messages.push(...messages.map((m) => ({ role: m.role, content: m.content })));
    },
    async clear(workspaceId, contactId) {
      threads.delete(id(workspaceId, contactId));
    },
  };
}
