import type { SessionRecord, SessionStore } from '../types.js';

/**
 * Keeps records as JSON text, as a real store would, so nothing the runtime holds is shared with
 * what it saved. For tests, the CLI and benchmarks.
 */
export function createMemorySessionStore(): SessionStore & { size(): number; raw: Map<string, string> } {
  const raw = new Map<string, string>();
  const running = new Set<string>();
  return {
    raw,
    async load(key) {
      const text = raw.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as SessionRecord);
    },
    async save(record) {
      raw.set(record.key, JSON.stringify(record));
      if (record.status === 'running') running.add(record.key);
      else running.delete(record.key);
    },
    async listRunning() {
      return [...running];
    },
    size: () => raw.size,
  };
}
