/**
 * Codes of credit errors. The engine's code table has no billing codes, so the ledger carries its
 * own; the server maps them at its edge (`insufficient_credits` -> 402, `invalid_amount` and
 * `invalid_key` and `invalid_argument` -> 400, `idempotency_key_mismatch` -> 422, `unknown_hold` -> 404).
 */
export const CREDIT_ERROR_CODES = [
  'invalid_amount',
  'invalid_key',
  'invalid_argument',
  'idempotency_key_mismatch',
  'unknown_hold',
  'insufficient_credits',
] as const;
export type CreditErrorCode = (typeof CREDIT_ERROR_CODES)[number];

/** A refused ledger call; `field` names the argument at fault, for a 400 that says which. */
export class CreditError extends Error {
  readonly code: CreditErrorCode;
  readonly field: string | undefined;

  constructor(code: CreditErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'CreditError';
    this.code = code;
    this.field = field;
  }
}

/** `value` as a safe integer >= 0 of `unit`, or a CreditError naming `field` and saying what came instead. */
export function requireWhole(value: unknown, field: string, unit: 'credits' | 'tokens' | 'milliseconds'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CreditError(
      'invalid_amount',
      `${field} must be a whole number of ${unit} from 0 to ${Number.MAX_SAFE_INTEGER}; got ${describe(value)}`,
      field,
    );
  }
  return value;
}

/** `value` as a whole, non-negative number of credits (B-08: -100, 1.5, "100", 1e309, 2^63, null are refused). */
export function requireCredits(value: unknown, field: string): number {
  return requireWhole(value, field, 'credits');
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
