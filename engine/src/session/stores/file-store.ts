import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionRecord, SessionStore } from '../types.js';

/**
 * One JSON file per session in a folder, written atomically (temp file, then rename), so a
 * process killed mid-write leaves the previous record. Used by the CLI and by crash tests that
 * share a store between processes.
 */
export function createFileSessionStore(dir: string): SessionStore {
  const ready = mkdir(dir, { recursive: true });
  const fileOf = (key: string) => path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  let sequence = 0;
  return {
    async load(key) {
      await ready;
      const text = await readFile(fileOf(key), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      return text === undefined ? undefined : (JSON.parse(text) as SessionRecord);
    },
    async save(record) {
      await ready;
      const file = fileOf(record.key);
      const temp = `${file}.${process.pid}.${(sequence += 1)}.tmp`;
      await writeFile(temp, JSON.stringify(record));
      await rename(temp, file);
    },
    async listRunning() {
      await ready;
      const keys: string[] = [];
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.json')) continue;
        try {
          const record = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as SessionRecord;
          if (record.status === 'running') keys.push(record.key);
        } catch {
          // A damaged file is reported when its session is next used, not here.
        }
      }
      return keys;
    },
  };
}
