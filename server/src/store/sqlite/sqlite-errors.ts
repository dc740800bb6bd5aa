import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';

/** SQLite result-code prefixes that mean "the file cannot be used now", each with what to tell an operator. */
const UNAVAILABLE: readonly [prefix: string, message: string][] = [
  ['SQLITE_FULL', 'the database or its disk is full; free space (or raise the size limit) and retry'],
  ['SQLITE_READONLY', 'the database file is read-only; check its permissions, its directory and the disk'],
  ['SQLITE_IOERR', 'the disk reported an I/O error while reading or writing the database'],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened; check its path and permissions'],
  ['SQLITE_BUSY', 'the database stayed locked by another connection for longer than the busy timeout; retry'],
  ['SQLITE_LOCKED', 'the database is locked by another statement; retry'],
  ['SQLITE_CORRUPT', 'the database file is damaged; restore it from a backup'],
  ['SQLITE_NOTADB', 'the file is not an SQLite database'],
];

/**
 * The error a store method answers for `error`: `StoreError`s and anything that is not an SQLite
 * failure pass unchanged (a `CreditError` must reach the billing code as itself); SQLite failures
 * of the storage become `storage_unavailable`, and unique clashes not named at the call site `conflict`.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof Database.SqliteError) {
    const unavailable = UNAVAILABLE.find(([prefix]) => error.code.startsWith(prefix));
    if (unavailable !== undefined) return new StoreError('storage_unavailable', `${unavailable[1]} (${error.code})`, { cause: error });
    const taken = uniqueColumns(error);
    if (taken !== undefined) return new StoreError('conflict', `${taken} is taken`, { cause: error });
    return error;
  }
  if (error instanceof TypeError && error.message.includes('database connection is not open')) {
    return new StoreError('storage_unavailable', 'the store is closed', { cause: error });
  }
  return error;
}

/**
 * `error` as a `conflict` whose message names what is taken, when it is a unique clash on one of
 * `messages`' constraints (keys like `users.email`, as SQLite names them); else `error` unchanged.
 */
export function conflictOf(error: unknown, messages: Record<string, string>): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const taken = uniqueColumns(error);
  if (taken === undefined) return error;
  return new StoreError('conflict', messages[taken] ?? `${taken} is taken`, { cause: error });
}

/** `users.email` or `flows.workspace_id, flows.id` for a unique or primary-key clash. */
function uniqueColumns(error: InstanceType<typeof Database.SqliteError>): string | undefined {
  if (error.code !== 'SQLITE_CONSTRAINT_UNIQUE' && error.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  return /constraint failed: (.+)$/.exec(error.message)?.[1] ?? 'a unique value';
}
