import type { CreditHold, CreditLedger, HoldResult, LedgerEntry, LedgerEntryKind, SettleResult } from '@nexusflow/engine';
import { CreditError } from '@nexusflow/nodes';
import { newId } from '../ids.js';
import type { ServerLedger } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { fromJson, toJson } from './json.js';
import { entryOf, type EntryRow } from './ledger-rows.js';
import { sqliteLedgerReports } from './ledger-reports.js';
import {
  copyMeta,
  DEFAULT_HOLD_TTL_MS,
  keyMismatch,
  OVERAGE_KEY_SUFFIX,
  requireAdjustKind,
  requireCredits,
  requireKey,
  requireWhole,
  requireWorkspace,
  unknownHold,
} from '../ledger-rules.js';

interface HoldRow {
  id: string;
  workspace_id: string;
  key: string;
  amount: number;
  state: 'open' | 'settled' | 'released' | 'expired';
  expires_at: number;
  meta: string | null;
  charged: number | null;
  released: number | null;
  overage: number | null;
}

interface BalanceRow {
  balance: number;
  held: number;
}

function holdOf(row: HoldRow): CreditHold {
  return { holdId: row.id, workspaceId: row.workspace_id, amount: row.amount, key: row.key, expiresAt: row.expires_at };
}

/**
 * The credit ledger in SQLite, with exactly the semantics of nodes' in-memory reference ledger
 * (`createMemoryLedger`; its rules are listed there). Every check-and-write runs inside one
 * `BEGIN IMMEDIATE` transaction: the write lock is taken before the first read, so another
 * connection (another server process on the same file) cannot change the balance between the check
 * and the debit, and a deferred read-then-write cannot fail with SQLITE_BUSY half way. The balance
 * updates are conditional besides (`WHERE balance - held >= ?`), and the table's CHECKs refuse a
 * negative balance or held amount, so a bug here fails loudly instead of overdrawing.
 */
export function sqliteLedger(context: SqliteContext, options: { defaultHoldTtlMs?: number } = {}): Sync<ServerLedger> {
  const { db, now } = context;
  const defaultTtl = requireWhole(options.defaultHoldTtlMs ?? DEFAULT_HOLD_TTL_MS, 'defaultHoldTtlMs', 'milliseconds');

  const ensureAccount = db.prepare('INSERT INTO balances (workspace_id) VALUES (?) ON CONFLICT DO NOTHING');
  const accountOf = db.prepare<[string], BalanceRow>('SELECT balance, held FROM balances WHERE workspace_id = ?');
  const holdByKey = db.prepare<[string, string], HoldRow>('SELECT * FROM holds WHERE workspace_id = ? AND key = ?');
  const holdById = db.prepare<[string], HoldRow>('SELECT * FROM holds WHERE id = ?');
  const entryByKey = db.prepare<[string, string], EntryRow>('SELECT * FROM ledger_entries WHERE workspace_id = ? AND key = ?');
  const insertHold = db.prepare(
    "INSERT INTO holds (id, workspace_id, key, amount, state, expires_at, meta, created_at) VALUES (@id, @workspace_id, @key, @amount, 'open', @expires_at, @meta, @created_at)",
  );
  const reopenHold = db.prepare("UPDATE holds SET state = 'open', expires_at = ? WHERE id = ?");
  const extendHold = db.prepare('UPDATE holds SET expires_at = max(expires_at, ?) WHERE id = ?');
  const closeHold = db.prepare('UPDATE holds SET state = ? WHERE id = ?');
  const settleHold = db.prepare("UPDATE holds SET state = 'settled', charged = ?, released = ?, overage = ? WHERE id = ?");
  // The conditional updates: each changes one row only when the credits are there.
  const take = db.prepare('UPDATE balances SET held = held + @amount WHERE workspace_id = @ws AND balance - held >= @amount');
  const giveBack = db.prepare('UPDATE balances SET held = held - @amount WHERE workspace_id = @ws AND held >= @amount');
  const charge = db.prepare('UPDATE balances SET balance = balance - @charged, held = held - @freed WHERE workspace_id = @ws AND held >= @freed AND balance - @charged >= held - @freed');
  const credit = db.prepare('UPDATE balances SET balance = balance + @amount WHERE workspace_id = @ws AND balance - held + @amount >= 0');
  const insertEntry = db.prepare(
    'INSERT INTO ledger_entries (id, workspace_id, kind, amount, balance_after, key, meta, at) VALUES (@id, @workspace_id, @kind, @amount, @balance_after, @key, @meta, @at) RETURNING *',
  );
  const entries = db.prepare<[string], EntryRow>('SELECT * FROM ledger_entries WHERE workspace_id = ? ORDER BY seq');
  const expired = db.prepare<[number], HoldRow>("SELECT * FROM holds WHERE state = 'open' AND expires_at <= ? ORDER BY expires_at, id");

  function account(workspaceId: string): BalanceRow {
    ensureAccount.run(workspaceId);
    return accountOf.get(workspaceId)!;
  }

  /** Asserts that a conditional update applied; inside the write lock a miss is a bug, never a race. */
  function applied(changes: number, what: string): void {
    if (changes !== 1) throw new Error(`ledger invariant: ${what} did not apply`);
  }

  function write(workspaceId: string, kind: LedgerEntryKind, amount: number, key: string, meta: Record<string, unknown> | undefined): LedgerEntry {
    const balanceAfter = accountOf.get(workspaceId)!.balance;
    const row = insertEntry.get({ id: newId(), workspace_id: workspaceId, kind, amount, balance_after: balanceAfter, key, meta: toJson(meta), at: now() }) as EntryRow;
    return entryOf(row);
  }

  const hold = db.transaction((workspaceId: string, key: string, amount: number, ttlMs: number, meta: Record<string, unknown> | undefined): HoldResult => {
    const { balance, held } = account(workspaceId);
    const available = balance - held;
    const existing = holdByKey.get(workspaceId, key);
    if (existing !== undefined) {
      if (existing.amount !== amount) throw keyMismatch(key, `a hold of ${existing.amount} credits`);
      if (existing.state === 'open') {
        extendHold.run(now() + ttlMs, existing.id);
      } else if (existing.state === 'released' || existing.state === 'expired') {
        // A step re-run after its hold was given back is about to call the model again: cover it anew.
        if (available < amount) return { ok: false, available, needed: amount };
        applied(take.run({ ws: workspaceId, amount }).changes, 'reopening a hold');
        reopenHold.run(now() + ttlMs, existing.id);
      }
      return { ok: true, hold: holdOf(holdById.get(existing.id)!), reused: true };
    }
    const entry = entryByKey.get(workspaceId, key);
    if (entry !== undefined) throw keyMismatch(key, `a ${entry.kind} entry`);
    // A refused hold does not bind its key.
    if (available < amount || take.run({ ws: workspaceId, amount }).changes !== 1) return { ok: false, available, needed: amount };
    const row = { id: newId(), workspace_id: workspaceId, key, amount, expires_at: now() + ttlMs, meta: toJson(meta), created_at: now() };
    insertHold.run(row);
    return { ok: true, hold: holdOf(holdById.get(row.id)!), reused: false };
  });

  const settle = db.transaction((holdId: unknown, amount: unknown, meta: unknown): SettleResult => {
    const row = typeof holdId === 'string' ? holdById.get(holdId) : undefined;
    if (row === undefined) throw unknownHold(holdId);
    const usage = requireCredits(amount, 'amount');
    const extra = copyMeta(meta);
    if (row.charged !== null) return { charged: row.charged, released: row.released ?? 0, overage: row.overage ?? 0 };
    const { balance, held } = account(row.workspace_id);
    const wasOpen = row.state === 'open';
    // An open hold covers up to its amount; a released or swept one only what is available now.
    const cover = wasOpen ? row.amount : Math.min(row.amount, balance - held);
    const charged = Math.min(usage, cover);
    const overage = usage - charged;
    const freed = wasOpen ? row.amount : 0;
    applied(charge.run({ ws: row.workspace_id, charged, freed }).changes, 'settling a hold');
    const holdMeta = fromJson<Record<string, unknown>>(row.meta);
    write(row.workspace_id, 'usage', -charged, row.key, { ...holdMeta, ...extra, holdId: row.id });
    if (overage > 0) write(row.workspace_id, 'adjustment', 0, `${row.key}${OVERAGE_KEY_SUFFIX}`, { uncollectable: overage, holdId: row.id });
    const result: SettleResult = { charged, released: wasOpen ? row.amount - charged : 0, overage };
    settleHold.run(result.charged, result.released, result.overage, row.id);
    return result;
  });

  const release = db.transaction((holdId: unknown): void => {
    const row = typeof holdId === 'string' ? holdById.get(holdId) : undefined;
    if (row === undefined) throw unknownHold(holdId);
    if (row.state !== 'open') return;
    applied(giveBack.run({ ws: row.workspace_id, amount: row.amount }).changes, 'releasing a hold');
    closeHold.run('released', row.id);
  });

  const adjust = db.transaction((workspaceId: string, key: string, kind: LedgerEntryKind, amount: number, meta: Record<string, unknown> | undefined): LedgerEntry => {
    const { balance, held } = account(workspaceId);
    if (holdByKey.get(workspaceId, key) !== undefined) throw keyMismatch(key, 'a hold');
    const earlier = entryByKey.get(workspaceId, key);
    if (earlier !== undefined) {
      if (earlier.kind !== kind || earlier.amount !== amount) throw keyMismatch(key, `a ${earlier.kind} of ${earlier.amount} credits`);
      return entryOf(earlier);
    }
    const available = balance - held;
    if (available + amount < 0) {
      throw new CreditError('insufficient_credits', `an adjustment of ${amount} needs ${-amount} available credits; ${available} are`, 'amount');
    }
    // Beyond the reference ledger: a balance past 2^53 could not be counted exactly in JavaScript.
    if (balance + amount > Number.MAX_SAFE_INTEGER) {
      throw new CreditError('invalid_amount', `amount would take the balance past ${Number.MAX_SAFE_INTEGER} credits; the balance is ${balance}`, 'amount');
    }
    applied(credit.run({ ws: workspaceId, amount }).changes, 'an adjustment');
    return write(workspaceId, kind, amount, key, meta);
  });

  const sweep = db.transaction((at: number): number => {
    const rows = expired.all(at);
    for (const row of rows) {
      applied(giveBack.run({ ws: row.workspace_id, amount: row.amount }).changes, 'sweeping a hold');
      closeHold.run('expired', row.id);
    }
    return rows.length;
  });

  const port: Sync<CreditLedger> & Pick<Sync<ServerLedger>, 'sweepExpired'> = {
    balance(workspaceId) {
      const found = accountOf.get(requireWorkspace(workspaceId));
      return found === undefined ? { balance: 0, available: 0 } : { balance: found.balance, available: found.balance - found.held };
    },
    hold(workspaceId, key, amount, holdOptions) {
      requireWorkspace(workspaceId);
      requireKey(key);
      requireCredits(amount, 'amount');
      const ttlMs = requireWhole(holdOptions?.ttlMs ?? defaultTtl, 'ttlMs', 'milliseconds');
      return hold.immediate(workspaceId, key, amount, ttlMs, copyMeta(holdOptions?.meta));
    },
    settle: (holdId, amount, meta) => settle.immediate(holdId, amount, meta),
    release: (holdId) => release.immediate(holdId),
    adjust(workspaceId, key, kind, amount, meta) {
      requireWorkspace(workspaceId);
      requireKey(key);
      requireAdjustKind(kind);
      if (kind === 'adjustment' && typeof amount === 'number' && amount < 0) requireCredits(-amount, 'amount');
      else requireCredits(amount, 'amount');
      return adjust.immediate(workspaceId, key, kind, amount, copyMeta(meta));
    },
    entries: (workspaceId) => entries.all(requireWorkspace(workspaceId)).map(entryOf),
    sweepExpired: () => sweep.immediate(now()),
  };
  return { ...port, ...sqliteLedgerReports(context) };
}
