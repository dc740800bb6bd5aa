/** Kinds of ledger entries; every change of a balance is one entry (DESIGN.md, Credits). */
export type LedgerEntryKind = 'purchase' | 'usage' | 'refund' | 'bonus' | 'adjustment';

export interface LedgerEntry {
  id: string;
  workspaceId: string;
  kind: LedgerEntryKind;
  /** Signed integer credits: positive adds to the balance, negative takes from it. */
  amount: number;
  balanceAfter: number;
  /** Idempotency key; unique per workspace. */
  key: string;
  meta?: Record<string, unknown>;
  at: number;
}

/** Credits set aside for one call before it runs; settled or released exactly once. */
export interface CreditHold {
  holdId: string;
  workspaceId: string;
  amount: number;
  key: string;
  expiresAt: number;
}

export type HoldResult =
  | { ok: true; hold: CreditHold; /** true when the key already had this hold (a re-run step). */ reused: boolean }
  | { ok: false; available: number; needed: number };

export interface SettleResult {
  charged: number;
  released: number;
  /** Provider usage beyond the hold, recorded as an uncollectable adjustment of 0 (B-03). */
  overage: number;
}

/**
 * Storage port of a workspace's credits. `balance` is the sum of ledger entries and never goes
 * below zero; `available` is the balance less open holds. Every method is atomic and idempotent by
 * key, so a step re-run after a crash reuses its hold instead of taking a second one.
 */
export interface CreditLedger {
  balance(workspaceId: string): Promise<{ balance: number; available: number }>;
  /** Holds `amount` if available, else refuses; the same key returns the same hold. */
  hold(workspaceId: string, key: string, amount: number, options?: { ttlMs?: number; meta?: Record<string, unknown> }): Promise<HoldResult>;
  /** Charges `amount` of a hold as a `usage` entry (capped at the hold) and releases the rest; once per hold. */
  settle(holdId: string, amount: number, meta?: Record<string, unknown>): Promise<SettleResult>;
  /** Gives a hold back untouched; a no-op for a settled or released hold. */
  release(holdId: string): Promise<void>;
  /** Adds or removes credits outside usage (top-ups, refunds, adjustments); idempotent by key. */
  adjust(workspaceId: string, key: string, kind: Exclude<LedgerEntryKind, 'usage'>, amount: number, meta?: Record<string, unknown>): Promise<LedgerEntry>;
  entries(workspaceId: string): Promise<LedgerEntry[]>;
}
