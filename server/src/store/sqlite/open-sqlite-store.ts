import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type { Store } from '../types.js';
import { openDatabase, DEFAULT_BUSY_TIMEOUT_MS } from './connection.js';
import { asAsync, type SqliteContext } from './context.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { toStoreError } from './sqlite-errors.js';
import { sqliteApiKeys } from './api-keys.js';
import { sqliteApps } from './apps.js';
import { sqliteChannelMessages } from './channel-messages.js';
import { sqliteChannels } from './channels.js';
import { sqliteContacts } from './contacts.js';
import { sqliteDeployments } from './deployments.js';
import { sqliteFlows } from './flows.js';
import { sqliteHistory } from './history.js';
import { sqliteKv } from './kv.js';
import { sqliteLedger } from './ledger.js';
import { sqliteMembers } from './members.js';
import { sqlitePlugins } from './plugins.js';
import { sqliteSecrets } from './secrets.js';
import { sqliteSessions } from './sessions.js';
import { sqliteTraces } from './traces.js';
import { sqliteTranscripts } from './transcripts.js';
import { sqliteUsers } from './users.js';
import { sqliteVersions } from './versions.js';
import { sqliteWorkspaces } from './workspaces.js';

export interface SqliteStoreOptions {
  /** Path of the database file (its directory is created); `:memory:` for a private in-memory database. */
  file: string;
  /** Clock for every time the store writes; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
  /** How long a write waits for another connection's lock before `storage_unavailable`. Default 5000. */
  busyTimeoutMs?: number;
  /** Lifetime of a credit hold taken without `ttlMs`. Default 10 minutes. */
  defaultHoldTtlMs?: number;
}

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /**
   * The better-sqlite3 connection, for online backups (`database.backup(path)`) and for tests.
   * Writes through it bypass every rule of the store.
   */
  readonly database: Database.Database;
}

/**
 * Opens (creating when missing) the SQLite database at `file`, brings its schema up to date and
 * answers the `Store` over it. Several processes may open the same file: every write that reads
 * first runs in a `BEGIN IMMEDIATE` transaction, which serializes them across processes.
 * Throws `StoreError` (`storage_unavailable`) when the file cannot be opened or was written by a
 * newer server.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const now = options.now ?? Date.now;
  const db = openDatabase(options.file, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  try {
    migrate(db, MIGRATIONS, now);
  } catch (error) {
    db.close();
    throw toStoreError(error);
  }
  const context: SqliteContext = { db, now };
  const ping = db.prepare('SELECT 1');
  return {
    kind: 'sqlite',
    database: db,
    users: asAsync(sqliteUsers(context)),
    workspaces: asAsync(sqliteWorkspaces(context)),
    members: asAsync(sqliteMembers(context)),
    apiKeys: asAsync(sqliteApiKeys(context)),
    flows: asAsync(sqliteFlows(context)),
    versions: asAsync(sqliteVersions(context)),
    deployments: asAsync(sqliteDeployments(context)),
    contacts: asAsync(sqliteContacts(context)),
    sessions: asAsync(sqliteSessions(context)),
    transcripts: asAsync(sqliteTranscripts(context)),
    traces: asAsync(sqliteTraces(context)),
    plugins: asAsync(sqlitePlugins(context)),
    channels: asAsync(sqliteChannels(context)),
    channelMessages: asAsync(sqliteChannelMessages(context)),
    apps: asAsync(sqliteApps(context)),
    ledger: asAsync(sqliteLedger(context, options.defaultHoldTtlMs === undefined ? {} : { defaultHoldTtlMs: options.defaultHoldTtlMs })),
    history: asAsync(sqliteHistory(context)),
    kv: asAsync(sqliteKv(context)),
    secrets: asAsync(sqliteSecrets(context)),
    async ping() {
      try {
        ping.get();
      } catch (error) {
        throw asUnavailable(error);
      }
    },
    async close() {
      if (!db.open) return;
      try {
        // Fold the WAL back into the database file, so the file alone is a complete copy.
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Another connection is reading; the WAL stays and the next opener checkpoints it.
      }
      db.close();
    },
  };
}

function asUnavailable(error: unknown): unknown {
  const mapped = toStoreError(error);
  return mapped instanceof StoreError ? mapped : new StoreError('storage_unavailable', `the database does not answer: ${String(error)}`, { cause: error });
}
