import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreContract } from '../contract/index.js';
import { storeError } from '../contract/helpers.js';
import { StoreError } from '../errors.js';
import { MIGRATIONS, openSqliteStore, schemaVersion, type SqliteStore, type SqliteStoreOptions } from './index.js';

const root = mkdtempSync(path.join(tmpdir(), 'nexusflow-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const newFile = () => path.join(root, `db-${++files}`, 'nexusflow.db');

/** A store on a new file, closed by `using` scopes' end or explicitly. */
function openStore(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  return openSqliteStore({ file: newFile(), ...options });
}

runStoreContract('sqlite', async () => {
  const file = newFile();
  const store = openSqliteStore({ file });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
});

describe('sqlite store: opening and migrations', () => {
  it('creates the directory, applies every migration and sets the connection pragmas', async () => {
    const file = newFile();
    expect(existsSync(path.dirname(file))).toBe(false);
    const store = openSqliteStore({ file, now: () => 1_234 });
    const db = store.database;
    expect(db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: 1_234 })),
    );
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5_000);
    await store.ping();
    await store.close();
  });

  it('re-opening a current database changes nothing', async () => {
    const file = newFile();
    await openSqliteStore({ file, now: () => 1 }).close();
    const again = openSqliteStore({ file, now: () => 2 });
    expect(again.database.prepare('SELECT version, applied_at FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1 })));
    await again.close();
  });

  it('refuses a database written by a newer server, and one whose migration history differs', async () => {
    const file = newFile();
    await openSqliteStore({ file }).close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from-the-future', 0)").run();
    raw.close();
    const newer = (() => {
      try {
        openSqliteStore({ file });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(newer).toBeInstanceOf(StoreError);
    expect((newer as StoreError).code).toBe('storage_unavailable');
    expect((newer as StoreError).message).toMatch(/schema version 999 .*newer than this server knows/);

    const other = newFile();
    await openSqliteStore({ file: other }).close();
    const renamed = new Database(other);
    renamed.prepare("UPDATE schema_migrations SET name = 'something-else' WHERE version = 1").run();
    renamed.close();
    expect(() => openSqliteStore({ file: other })).toThrow(/written by another build/);
  });

  it('answers storage_unavailable when the file cannot be opened', () => {
    const blocker = path.join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    expect(() => openSqliteStore({ file: path.join(blocker, 'nexusflow.db') })).toThrow(StoreError);
    const notDb = path.join(root, 'not-a-db.db');
    writeFileSync(notDb, 'x'.repeat(4096));
    try {
      openSqliteStore({ file: notDb });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('storage_unavailable');
    }
  });
});

describe('sqlite store: several connections on one file', () => {
  it('two handles racing 100 holds against a balance of 50 give exactly 50', async () => {
    const file = newFile();
    const one = openSqliteStore({ file });
    const two = openSqliteStore({ file });
    await one.ledger.adjust('ws', 'topup', 'purchase', 50);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? one : two).ledger.hold('ws', `step-${i}`, 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(await two.ledger.balance('ws')).toEqual({ balance: 50, available: 0 });
    // Settled through the other handle than the one that took each hold.
    await Promise.all(results.map((r, i) => (r.ok ? (i % 2 === 0 ? two : one).ledger.settle(r.hold.holdId, 1) : undefined)));
    expect(await one.ledger.audit('ws')).toEqual({ balance: 0, sum: 0, held: 0, ok: true });
    await one.close();
    await two.close();
  });

  it('several processes racing holds on one file give exactly the balance, with no SQLITE_BUSY', async () => {
    const file = newFile();
    const store = openSqliteStore({ file });
    await store.ledger.adjust('ws', 'topup', 'purchase', 300);
    const goFile = path.join(path.dirname(file), 'go');
    const fixture = (name: string) => fileURLToPath(new URL(`./test-fixtures/${name}`, import.meta.url));
    const runs = [0, 1, 2].map((worker) => {
      const args = ['--import', 'tsx', '--import', fixture('stub-nodes.mjs'), '--conditions=source', fixture('hold-race.ts'), file, goFile, 'ws', '200', `w${worker}`];
      const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      const ready = new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => ((out += chunk.toString()), out.includes('ready') && resolve())));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const done = new Promise<number>((resolve, reject) =>
        child.on('close', (code) => (code === 0 ? resolve((JSON.parse(out.split('\n')[1]!) as { held: number }).held) : reject(new Error(`worker ${worker} failed: ${err}`)))),
      );
      return { ready, done };
    });
    await Promise.all(runs.map((run) => run.ready));
    writeFileSync(goFile, '');
    const held = await Promise.all(runs.map((run) => run.done));
    expect(held.reduce((sum, n) => sum + n, 0)).toBe(300);
    expect(await store.ledger.balance('ws')).toEqual({ balance: 300, available: 0 });
    expect(await store.ledger.audit('ws')).toEqual({ balance: 300, sum: 300, held: 300, ok: true });
    await store.close();
  }, 30_000);

  it('answers storage_unavailable when another connection keeps the write lock past the busy timeout', async () => {
    const file = newFile();
    const store = openSqliteStore({ file, busyTimeoutMs: 20 });
    await store.ledger.adjust('ws', 'topup', 'purchase', 10);
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const error = await storeError(store.ledger.hold('ws', 'blocked', 1), 'storage_unavailable');
    expect(error.message).toMatch(/locked/);
    other.exec('ROLLBACK');
    other.close();
    expect(await store.ledger.hold('ws', 'blocked', 1)).toMatchObject({ ok: true, reused: false });
    await store.close();
  });
});

describe('sqlite store: failures of the storage', () => {
  it('answers storage_unavailable when the disk is full, leaves no partial rows, and recovers', async () => {
    const store = openStore();
    const db = store.database;
    await store.ledger.adjust('ws', 'topup', 'purchase', 100);
    const hold = await store.ledger.hold('ws', 'call', 10);
    if (!hold.ok) throw new Error('expected a hold');
    const before = { entries: await store.ledger.entries('ws'), balance: await store.ledger.balance('ws') };
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);

    const big = { note: 'x'.repeat(200_000) };
    const full = await storeError(store.ledger.adjust('ws', 'topup-2', 'purchase', 5, big), 'storage_unavailable');
    expect(full.message).toMatch(/full/);
    await storeError(store.ledger.settle(hold.hold.holdId, 4, big), 'storage_unavailable');
    await storeError(store.ledger.hold('ws', 'call-2', 1, { meta: big }), 'storage_unavailable');
    expect(await store.ledger.entries('ws')).toEqual(before.entries);
    expect(await store.ledger.balance('ws')).toEqual(before.balance);
    expect(await store.ledger.audit('ws')).toMatchObject({ ok: true });

    db.pragma('max_page_count = 1073741823');
    expect((await store.ledger.adjust('ws', 'topup-2', 'purchase', 5, big)).balanceAfter).toBe(105);
    expect(await store.ledger.settle(hold.hold.holdId, 4, big)).toEqual({ charged: 4, released: 6, overage: 0 });
    expect(await store.ledger.audit('ws')).toEqual({ balance: 101, sum: 101, held: 0, ok: true });
    await store.close();
  });

  it('answers storage_unavailable for writes to a read-only database; reads still work', async () => {
    const store = openStore();
    const { workspace } = await (async () => {
      const owner = await store.users.create({ email: 'ro@example.com', name: 'RO', passwordHash: 'h' });
      return { workspace: await store.workspaces.create({ name: 'RO', ownerId: owner.id }) };
    })();
    store.database.pragma('query_only = ON');
    const error = await storeError(store.workspaces.rename(workspace.id, 'x'), 'storage_unavailable');
    expect(error.message).toMatch(/read-only/);
    await storeError(store.ledger.adjust('ws', 'k', 'purchase', 1), 'storage_unavailable');
    await storeError(store.flows.create(workspace.id, { name: 'f', document: { format: 'nexusflow/flow@1', id: 'f', name: 'f', nodes: [], edges: [] } }), 'storage_unavailable');
    expect((await store.workspaces.byId(workspace.id))?.name).toBe('RO');
    await store.ping();
    await store.close();
  });

  it.skipIf(process.getuid?.() === 0)('opens a read-only file for reading; its writes answer storage_unavailable', async () => {
    const file = newFile();
    await openSqliteStore({ file }).close();
    chmodSync(file, 0o444);
    const store = openSqliteStore({ file });
    expect(await store.ledger.balance('ws')).toEqual({ balance: 0, available: 0 });
    await storeError(store.ledger.adjust('ws', 'k', 'purchase', 1), 'storage_unavailable');
    await store.close();
  });

  it('writes a batch whole or not at all', async () => {
    const store = openStore();
    const good = { type: 'session.notice' as const, sessionKey: 's', turn: 1, at: 1, message: 'ok' };
    const bad = { ...good, message: 10n as unknown as string };
    await expect(store.traces.append('ws', 's', [good, good, bad])).rejects.toThrow(TypeError);
    expect(await store.traces.list('ws', 's')).toEqual([]);
    await store.close();
  });

  it('answers storage_unavailable once closed', async () => {
    const store = openStore();
    await store.ping();
    await store.close();
    await store.close();
    await storeError(store.ping(), 'storage_unavailable');
    await storeError(store.ledger.balance('ws'), 'storage_unavailable');
    await storeError(store.users.byId('x'), 'storage_unavailable');
  });
});

describe('sqlite store: injected clock', () => {
  it('stamps records and expires holds by the injected clock', async () => {
    let time = 10_000;
    const store = openStore({ now: () => time, defaultHoldTtlMs: 1_000 });
    const user = await store.users.create({ email: 'clock@example.com', name: 'C', passwordHash: 'h' });
    expect(user.createdAt).toBe(10_000);
    await store.ledger.adjust('ws', 'topup', 'purchase', 5);
    const hold = await store.ledger.hold('ws', 'k', 5);
    expect(hold).toMatchObject({ ok: true, hold: { expiresAt: 11_000 } });
    time += 999;
    expect(await store.ledger.sweepExpired()).toBe(0);
    time += 1;
    expect(await store.ledger.sweepExpired()).toBe(1);
    expect(await store.ledger.balance('ws')).toEqual({ balance: 5, available: 5 });
    expect((await store.ledger.entries('ws'))[0]!.at).toBe(10_000);
    await store.close();
  });

  it('pages records created in the same millisecond without losing or repeating any', async () => {
    const store = openStore({ now: () => 1 });
    const owner = await store.users.create({ email: 'same@example.com', name: 'S', passwordHash: 'h' });
    const { id } = await store.workspaces.create({ name: 'S', ownerId: owner.id });
    const made = new Set<string>();
    for (let i = 0; i < 25; i += 1) made.add((await store.flows.create(id, { name: `f${i}`, document: { format: 'nexusflow/flow@1', id: 'x', name: 'x', nodes: [], edges: [] } })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.flows.list(id, { limit: 4, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.items.map((f) => f.id));
      cursor = page.next;
    } while (cursor !== undefined);
    expect(seen).toHaveLength(25);
    expect(new Set(seen)).toEqual(made);
    await store.close();
  });
});
