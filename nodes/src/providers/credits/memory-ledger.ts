import type { CreditHold, CreditLedger, HoldResult, LedgerEntry, LedgerEntryKind, SettleResult } from '@nexusflow/engine';
import { CreditError, describe, requireCredits, requireWhole } from './errors.js';

/** Options of the in-memory ledger. */
export interface MemoryLedgerOptions {
  /** Clock for hold expiry and entry times; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
  /** How long a hold lives when `hold` gets no `ttlMs`. Default 10 minutes. */
  defaultHoldTtlMs?: number;
}

/** The in-memory ledger: the `CreditLedger` port plus the sweeper of expired holds. */
export type MemoryLedger = CreditLedger & {
  /** Releases every open hold past its expiry, each exactly once; returns how many (B-06). */
  sweepExpired(): Promise<number>;
};

/** Keys ending in this are written by the ledger itself (the overage entry of a hold). */
export const OVERAGE_KEY_SUFFIX = '#overage';

const DEFAULT_HOLD_TTL_MS = 10 * 60_000;
const MAX_KEY_LENGTH = 512;
const MAX_WORKSPACE_LENGTH = 256;
const ADJUST_KINDS: readonly LedgerEntryKind[] = ['purchase', 'refund', 'bonus', 'adjustment'];

type HoldState = 'open' | 'settled' | 'released' | 'expired';

interface HoldRecord {
  hold: CreditHold;
  state: HoldState;
  /** Meta given to `hold`, carried into the usage entry. */
  meta?: Record<string, unknown>;
  result?: SettleResult;
}

type KeyUse = { type: 'hold'; record: HoldRecord } | { type: 'entry'; entry: LedgerEntry };

interface Account {
  balance: number;
  /** Sum of open holds; available = balance - held, never below 0. */
  held: number;
  entries: LedgerEntry[];
  /** One key space per workspace, shared by holds and entries, so no key means two things. */
  keys: Map<string, KeyUse>;
}

/**
 * A `CreditLedger` in memory, for tests, the terminal chat and as the reference the stores are
 * checked against. Every method does its check and its update synchronously, before any `await`,
 * so concurrent calls cannot interleave between them (the SQLite lesson of RELIABILITY.md §5.2).
 *
 * Rules beyond the port:
 * - amounts are safe integers >= 0; only kind `adjustment` may be negative, and never below the
 *   available credits (`insufficient_credits`);
 * - a key is bound to its first call: the same key with another amount or kind is refused with
 *   `idempotency_key_mismatch`; a refused hold (not enough credits) does not bind its key;
 * - the same hold key again returns the same hold with `reused: true`; if that hold was released
 *   or swept meanwhile, it is opened again when the credits are there (a re-run step after a crash
 *   is about to call the model again, so it must be covered);
 * - settling charges at most the hold; usage beyond it is an `adjustment` of 0 with meta
 *   `{ uncollectable }`, so the balance never goes negative (B-03). Settling a released or swept
 *   hold charges at most what is available now.
 * - holds are kept after they close, so keys stay idempotent for the ledger's life.
 */
export function createMemoryLedger(options: MemoryLedgerOptions = {}): MemoryLedger {
  const now = options.now ?? Date.now;
  const defaultTtl = requireWhole(options.defaultHoldTtlMs ?? DEFAULT_HOLD_TTL_MS, 'defaultHoldTtlMs', 'milliseconds');
  const accounts = new Map<string, Account>();
  const holds = new Map<string, HoldRecord>();
  const open = new Set<HoldRecord>();
  let sequence = 0;

  function account(workspaceId: string): Account {
    let found = accounts.get(workspaceId);
    if (found === undefined) {
      found = { balance: 0, held: 0, entries: [], keys: new Map() };
      accounts.set(workspaceId, found);
    }
    return found;
  }

  function write(
    workspaceId: string,
    target: Account,
    kind: LedgerEntryKind,
    amount: number,
    key: string,
    meta: Record<string, unknown> | undefined,
  ): LedgerEntry {
    target.balance += amount;
    const entry: LedgerEntry = { id: `entry_${++sequence}`, workspaceId, kind, amount, balanceAfter: target.balance, key, at: now() };
    if (meta !== undefined) entry.meta = meta;
    target.entries.push(entry);
    return entry;
  }

  function openHold(target: Account, record: HoldRecord, ttlMs: number): void {
    record.state = 'open';
    record.hold.expiresAt = now() + ttlMs;
    target.held += record.hold.amount;
    open.add(record);
  }

  function closeHold(record: HoldRecord, state: Exclude<HoldState, 'open'>): void {
    if (record.state === 'open') {
      account(record.hold.workspaceId).held -= record.hold.amount;
      open.delete(record);
    }
    record.state = state;
  }

  function recordOf(holdId: unknown): HoldRecord {
    const record = typeof holdId === 'string' ? holds.get(holdId) : undefined;
    if (record === undefined) throw new CreditError('unknown_hold', `no hold has the id ${describe(holdId)}`, 'holdId');
    return record;
  }

  return {
    async balance(workspaceId) {
      const found = accounts.get(requireWorkspace(workspaceId));
      return found === undefined ? { balance: 0, available: 0 } : { balance: found.balance, available: found.balance - found.held };
    },

    async hold(workspaceId, key, amount, holdOptions) {
      requireWorkspace(workspaceId);
      requireKey(key);
      requireCredits(amount, 'amount');
      const ttlMs = requireWhole(holdOptions?.ttlMs ?? defaultTtl, 'ttlMs', 'milliseconds');
      const meta = copyMeta(holdOptions?.meta);
      const target = account(workspaceId);
      const available = target.balance - target.held;
      const use = target.keys.get(key);
      if (use !== undefined) {
        if (use.type === 'entry') throw keyMismatch(key, `a ${use.entry.kind} entry`);
        const record = use.record;
        if (record.hold.amount !== amount) throw keyMismatch(key, `a hold of ${record.hold.amount} credits`);
        if (record.state === 'open') {
          record.hold.expiresAt = Math.max(record.hold.expiresAt, now() + ttlMs);
        } else if (record.state === 'released' || record.state === 'expired') {
          if (available < amount) return { ok: false, available, needed: amount };
          openHold(target, record, ttlMs);
        }
        return { ok: true, hold: { ...record.hold }, reused: true };
      }
      if (available < amount) return { ok: false, available, needed: amount };
      const record: HoldRecord = {
        hold: { holdId: `hold_${++sequence}`, workspaceId, amount, key, expiresAt: 0 },
        state: 'open',
      };
      if (meta !== undefined) record.meta = meta;
      holds.set(record.hold.holdId, record);
      target.keys.set(key, { type: 'hold', record });
      openHold(target, record, ttlMs);
      return { ok: true, hold: { ...record.hold }, reused: false } satisfies HoldResult;
    },

    async settle(holdId, amount, meta) {
      const record = recordOf(holdId);
      requireCredits(amount, 'amount');
      const extra = copyMeta(meta);
      if (record.result !== undefined) return { ...record.result };
      const { hold } = record;
      const target = account(hold.workspaceId);
      const wasOpen = record.state === 'open';
      // An open hold covers up to its amount; a released or swept one only what is available now.
      const cover = wasOpen ? hold.amount : Math.min(hold.amount, target.balance - target.held);
      const charged = Math.min(amount, cover);
      const overage = amount - charged;
      closeHold(record, 'settled');
      write(hold.workspaceId, target, 'usage', -charged, hold.key, { ...record.meta, ...extra, holdId: hold.holdId });
      if (overage > 0) {
        write(hold.workspaceId, target, 'adjustment', 0, `${hold.key}${OVERAGE_KEY_SUFFIX}`, { uncollectable: overage, holdId: hold.holdId });
      }
      record.result = { charged, released: wasOpen ? hold.amount - charged : 0, overage };
      return { ...record.result };
    },

    async release(holdId) {
      const record = recordOf(holdId);
      if (record.state === 'open') closeHold(record, 'released');
    },

    async adjust(workspaceId, key, kind, amount, meta) {
      requireWorkspace(workspaceId);
      requireKey(key);
      if (!ADJUST_KINDS.includes(kind)) {
        throw new CreditError('invalid_argument', `kind must be one of ${ADJUST_KINDS.join(', ')}; got ${describe(kind)}`, 'kind');
      }
      if (kind === 'adjustment' && typeof amount === 'number' && amount < 0) requireCredits(-amount, 'amount');
      else requireCredits(amount, 'amount');
      const extra = copyMeta(meta);
      const target = account(workspaceId);
      const use = target.keys.get(key);
      if (use !== undefined) {
        if (use.type === 'hold') throw keyMismatch(key, 'a hold');
        if (use.entry.kind !== kind || use.entry.amount !== amount) {
          throw keyMismatch(key, `a ${use.entry.kind} of ${use.entry.amount} credits`);
        }
        return structuredClone(use.entry);
      }
      const available = target.balance - target.held;
      if (available + amount < 0) {
        throw new CreditError('insufficient_credits', `an adjustment of ${amount} needs ${-amount} available credits; ${available} are`, 'amount');
      }
      const entry = write(workspaceId, target, kind, amount, key, extra);
      target.keys.set(key, { type: 'entry', entry });
      return structuredClone(entry);
    },

    async entries(workspaceId) {
      return (accounts.get(requireWorkspace(workspaceId))?.entries ?? []).map((entry) => structuredClone(entry));
    },

    async sweepExpired() {
      const at = now();
      let swept = 0;
      for (const record of open) {
        if (record.hold.expiresAt <= at) {
          closeHold(record, 'expired');
          swept += 1;
        }
      }
      return swept;
    },
  };
}

function requireWorkspace(workspaceId: unknown): string {
  if (typeof workspaceId !== 'string' || workspaceId.length === 0 || workspaceId.length > MAX_WORKSPACE_LENGTH) {
    throw new CreditError('invalid_key', `workspaceId must be a non-empty string of at most ${MAX_WORKSPACE_LENGTH} characters; got ${describe(workspaceId)}`, 'workspaceId');
  }
  return workspaceId;
}

function requireKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new CreditError('invalid_key', `key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters; got ${describe(key)}`, 'key');
  }
  if (key.endsWith(OVERAGE_KEY_SUFFIX)) {
    throw new CreditError('invalid_key', `key must not end with "${OVERAGE_KEY_SUFFIX}": the ledger writes those keys itself`, 'key');
  }
  return key;
}

function keyMismatch(key: string, firstUse: string): CreditError {
  return new CreditError(
    'idempotency_key_mismatch',
    `idempotency key "${key.slice(0, 80)}" was first used for ${firstUse}; repeat that call exactly or use a new key`,
    'key',
  );
}

/** A private copy of caller meta, so later changes by the caller do not rewrite history (entries go out as copies too). */
function copyMeta(meta: unknown): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new CreditError('invalid_argument', `meta must be an object; got ${describe(meta)}`, 'meta');
  }
  return structuredClone(meta) as Record<string, unknown>;
}
