import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type { Migration } from './migrations.js';

interface AppliedRow {
  version: number;
  name: string;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;

/**
 * Brings the schema up to the last of `migrations`, one `BEGIN IMMEDIATE` transaction per step so
 * that two processes opening the same file at once apply each step once: the second waits for the
 * lock, then sees the step done. A database that is already current is only read, so a read-only
 * file still opens (its writes then fail as `storage_unavailable`).
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], now: () => number): void {
  checkOrder(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  if (isCurrent(db, migrations, latest)) return;

  db.transaction(() => db.exec(CREATE_TABLE)).immediate();
  for (const migration of migrations) {
    db.transaction(() => {
      const applied = appliedOf(db);
      refuseUnknown(applied, migrations, latest);
      if (applied.some((row) => row.version === migration.version)) return;
      db.exec(migration.up);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, now());
    }).immediate();
  }
}

/** The latest version a database has, 0 for a new one. */
export function schemaVersion(db: Database.Database): number {
  return appliedOf(db).reduce((max, row) => Math.max(max, row.version), 0);
}

function isCurrent(db: Database.Database, migrations: readonly Migration[], latest: number): boolean {
  const applied = appliedOf(db);
  refuseUnknown(applied, migrations, latest);
  return applied.length === migrations.length;
}

function appliedOf(db: Database.Database): AppliedRow[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (exists === undefined) return [];
  return db.prepare<[], AppliedRow>('SELECT version, name FROM schema_migrations ORDER BY version').all();
}

/** A database written by a newer server (or a different branch) is left alone rather than guessed at. */
function refuseUnknown(applied: readonly AppliedRow[], migrations: readonly Migration[], latest: number): void {
  for (const row of applied) {
    const known = migrations.find((migration) => migration.version === row.version);
    if (row.version > latest) {
      throw new StoreError(
        'storage_unavailable',
        `the database has schema version ${row.version} ("${row.name}"), newer than this server knows (${latest}); run a newer server or restore a backup made for version ${latest}`,
      );
    }
    if (known === undefined || known.name !== row.name) {
      throw new StoreError(
        'storage_unavailable',
        `the database's schema version ${row.version} is "${row.name}", but this server's is "${known?.name ?? 'missing'}"; the file was written by another build`,
      );
    }
  }
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration "${migration.name}" has version ${migration.version}; expected ${index + 1}`);
  });
}
