import type { LedgerEntryKind } from '@nexusflow/engine';
import { CreditError } from '@nexusflow/nodes';

/*
 * The argument rules of nodes' in-memory reference ledger (providers/credits/memory-ledger.ts and
 * errors.ts), with the same codes, fields and messages, shared by the SQLite and MongoDB ledgers.
 * Keep them in step with the reference: the contract suite checks the messages word for word.
 */

/** Keys ending in this are written by the ledger itself (the overage entry of a hold). */
export const OVERAGE_KEY_SUFFIX = '#overage';
export const DEFAULT_HOLD_TTL_MS = 10 * 60_000;
export const ADJUST_KINDS: readonly LedgerEntryKind[] = ['purchase', 'refund', 'bonus', 'adjustment'];

const MAX_KEY_LENGTH = 512;
const MAX_WORKSPACE_LENGTH = 256;

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** `value` as a safe integer >= 0 of `unit` (B-08: -100, 1.5, "100", 1e309, 2^63, null are refused). */
export function requireWhole(value: unknown, field: string, unit: 'credits' | 'milliseconds'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CreditError('invalid_amount', `${field} must be a whole number of ${unit} from 0 to ${Number.MAX_SAFE_INTEGER}; got ${describe(value)}`, field);
  }
  return value;
}

export function requireCredits(value: unknown, field: string): number {
  return requireWhole(value, field, 'credits');
}

export function requireWorkspace(workspaceId: unknown): string {
  if (typeof workspaceId !== 'string' || workspaceId.length === 0 || workspaceId.length > MAX_WORKSPACE_LENGTH) {
    throw new CreditError(
      'invalid_key',
      `workspaceId must be a non-empty string of at most ${MAX_WORKSPACE_LENGTH} characters; got ${describe(workspaceId)}`,
      'workspaceId',
    );
  }
  return workspaceId;
}

export function requireKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new CreditError('invalid_key', `key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters; got ${describe(key)}`, 'key');
  }
  if (key.endsWith(OVERAGE_KEY_SUFFIX)) {
    throw new CreditError('invalid_key', `key must not end with "${OVERAGE_KEY_SUFFIX}": the ledger writes those keys itself`, 'key');
  }
  return key;
}

export function requireAdjustKind(kind: unknown): void {
  if (!ADJUST_KINDS.includes(kind as LedgerEntryKind)) {
    throw new CreditError('invalid_argument', `kind must be one of ${ADJUST_KINDS.join(', ')}; got ${describe(kind)}`, 'kind');
  }
}

export function keyMismatch(key: string, firstUse: string): CreditError {
  return new CreditError('idempotency_key_mismatch', `idempotency key "${key.slice(0, 80)}" was first used for ${firstUse}; repeat that call exactly or use a new key`, 'key');
}

export function unknownHold(holdId: unknown): CreditError {
  return new CreditError('unknown_hold', `no hold has the id ${describe(holdId)}`, 'holdId');
}

/** A private copy of caller meta, so later changes by the caller do not rewrite history. */
export function copyMeta(meta: unknown): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new CreditError('invalid_argument', `meta must be an object; got ${describe(meta)}`, 'meta');
  }
  return structuredClone(meta) as Record<string, unknown>;
}
