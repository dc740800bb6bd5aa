import { CreditError, requireCredits, requireWhole } from './errors.js';
import type { Rate } from './rates.js';

/*
 * Rounding rule: a cost is computed exactly, then rounded UP to a whole credit once, on the total
 * (input + output + fee). Never per part, never down, so a call is never billed below its price.
 *
 * Exactness: a rate is turned into integer micro-credits per 1K tokens (rate × 1e6, rounded to the
 * nearest integer: the precision of a rate is 1e-6 credits per 1K tokens) and the fee into parts
 * per million (feePercent × 1e4). Everything after that is BigInt integer arithmetic, so
 * 0.1 + 0.2 style drift and large token counts cannot change a result.
 */

const MICRO = 1_000_000n;
/** credits = tokens × microPer1K / 1e3 / 1e6, and the fee factor is (1e6 + feePpm) / 1e6. */
const DENOMINATOR = 1_000n * MICRO * MICRO;

/** Integer micro-credits per 1K tokens. */
function micro(per1K: number): bigint {
  return BigInt(Math.round(per1K * 1e6));
}

/** Fee factor numerator over 1e6: 100% fee doubles the cost. */
function feeFactor(feePercent: number): bigint {
  if (!Number.isFinite(feePercent) || feePercent < 0 || feePercent > 100) {
    throw new CreditError('invalid_amount', `feePercent must be a number from 0 to 100; got ${feePercent}`, 'feePercent');
  }
  return MICRO + BigInt(Math.round(feePercent * 1e4));
}

function tokens(value: number, field: string): bigint {
  return BigInt(requireWhole(value, field, 'tokens'));
}

function toCredits(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CreditError('invalid_amount', `${what} is ${value} credits, beyond what the ledger can hold`);
  }
  return Number(value);
}

/** ceil(a / b) for non-negative BigInts. */
function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * Whole credits of one call: ceil((input/1000 · inputPer1K + output/1000 · outputPer1K) · (1 + fee/100)),
 * rounded up once on the total.
 *
 * @example
 * costOf({ inputPer1K: 2.5, outputPer1K: 10 }, 0, 1000, 0); // 3 (2.5 rounded up)
 */
export function costOf(rate: Rate, feePercent: number, inputTokens: number, outputTokens: number): number {
  const base = tokens(inputTokens, 'inputTokens') * micro(rate.inputPer1K) + tokens(outputTokens, 'outputTokens') * micro(rate.outputPer1K);
  return toCredits(ceilDiv(base * feeFactor(feePercent), DENOMINATOR), 'the cost');
}

/** What a call may cost at most, so what to hold before it: its input and `maxTokens` of output. */
export function holdFor(request: { rate: Rate; feePercent: number; inputTokens: number; maxTokens: number }): number {
  const maxTokens = requireWhole(request.maxTokens, 'maxTokens', 'tokens');
  return costOf(request.rate, request.feePercent, request.inputTokens, maxTokens);
}

/**
 * The largest output token count whose cost, with `inputTokens`, fits in `hold`: send it as the
 * provider's `max_tokens` so the provider cannot bill beyond the hold (B-03). `undefined` when
 * even zero output tokens do not fit (the input alone costs more than the hold). A free output
 * rate has no bound from the hold: the answer is then `limit` (default Number.MAX_SAFE_INTEGER).
 */
export function maxTokensWithin(request: { rate: Rate; feePercent: number; inputTokens: number; hold: number; limit?: number }): number | undefined {
  const hold = BigInt(requireCredits(request.hold, 'hold'));
  const limit = requireWhole(request.limit ?? Number.MAX_SAFE_INTEGER, 'limit', 'tokens');
  const factor = feeFactor(request.feePercent);
  const inputCost = tokens(request.inputTokens, 'inputTokens') * micro(request.rate.inputPer1K) * factor;
  // ceil(x) <= hold  <=>  x <= hold for an integer hold, so compare the exact numerators.
  const budget = hold * DENOMINATOR - inputCost;
  if (budget < 0n) return undefined;
  const perToken = micro(request.rate.outputPer1K) * factor;
  if (perToken === 0n) return limit;
  const most = budget / perToken;
  return most >= BigInt(limit) ? limit : Number(most);
}

/** The outcome of pricing actual usage against a hold. */
export interface SettleAmount {
  /** What the actual usage costs, uncapped. */
  cost: number;
  /** What to charge: the cost capped at the hold. */
  charge: number;
  /** Cost beyond the hold: recorded as uncollectable, never charged (B-03). */
  overage: number;
}

/** Prices actual usage and caps it at the hold; the part beyond the hold is reported as overage. */
export function settleAmount(request: { rate: Rate; feePercent: number; inputTokens: number; outputTokens: number; hold: number }): SettleAmount {
  const hold = requireCredits(request.hold, 'hold');
  const cost = costOf(request.rate, request.feePercent, request.inputTokens, request.outputTokens);
  const charge = Math.min(cost, hold);
  return { cost, charge, overage: cost - charge };
}
