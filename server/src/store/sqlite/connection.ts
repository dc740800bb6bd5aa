import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { toStoreError } from './sqlite-errors.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database file with the settings every connection needs: WAL (readers never block the
 * writer, and several processes can share the file), foreign keys on, `synchronous=NORMAL` (safe
 * with WAL: a power cut can lose the last commits, never corrupt the file) and a busy timeout, so a
 * writer waits for another process's transaction instead of failing at once.
 */
export function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  if (file !== ':memory:') {
    try {
      mkdirSync(dirname(resolve(file)), { recursive: true });
    } catch (error) {
      throw new StoreError('storage_unavailable', `the directory of the database file cannot be created: ${(error as Error).message}`, { cause: error });
    }
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    return db;
  } catch (error) {
    db?.close();
    throw toStoreError(error);
  }
}
