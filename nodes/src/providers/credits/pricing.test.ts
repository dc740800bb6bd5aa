import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costOf, holdFor, maxTokensWithin, settleAmount } from './pricing.js';
import type { Rate } from './rates.js';

const gpt4o = { inputPer1K: 2.5, outputPer1K: 10 };
const mini = { inputPer1K: 0.15, outputPer1K: 0.6 };

describe('costOf: exact, rounded up once on the total', () => {
  const table: [Rate, number, number, number, number, string][] = [
    // rate, fee %, input, output, credits, why
    [gpt4o, 0, 0, 0, 0, 'no tokens cost nothing'],
    [gpt4o, 0, 1000, 0, 3, '2.5 rounds up to 3'],
    [gpt4o, 0, 1000, 1000, 13, '2.5 + 10 = 12.5, up to 13'],
    [gpt4o, 0, 400, 0, 1, '1.0 exactly stays 1'],
    [gpt4o, 0, 1, 0, 1, '0.0025 rounds up to 1'],
    [mini, 0, 1000, 1000, 1, '0.15 + 0.6 = 0.75: one rounding on the total, not 1 + 1'],
    [mini, 0, 20_000, 0, 3, '0.15 × 20 = 3 exactly, no float drift to 3.0000000004'],
    [{ inputPer1K: 0.1, outputPer1K: 0.2 }, 0, 10_000, 10_000, 3, '0.1 + 0.2 per 1K over 10K tokens = 3 exactly'],
    [gpt4o, 10, 1000, 1000, 14, '12.5 × 1.1 = 13.75, up to 14'],
    [gpt4o, 2.5, 4000, 0, 11, '10 × 1.025 = 10.25, up to 11'],
    [gpt4o, 100, 1000, 1000, 25, '100% fee doubles 12.5 to 25'],
    [{ inputPer1K: 0, outputPer1K: 0 }, 50, 1_000_000, 1_000_000, 0, 'a free model stays free'],
    [gpt4o, 0, 1_000_000_000_000, 1_000_000_000_000, 12_500_000_000, 'a trillion tokens each way, exact'],
    [{ inputPer1K: 0.000001, outputPer1K: 0 }, 0, 1_000_000_000, 0, 1, 'the smallest rate step: 1e-6 per 1K'],
  ];
  it.each(table)('%o fee %d%%: %d in + %d out = %d (%s)', (rate, fee, input, output, credits) => {
    expect(costOf(rate, fee, input, output)).toBe(credits);
  });

  it('refuses token counts that are not whole and non-negative, naming them', () => {
    expect(() => costOf(gpt4o, 0, -1, 0)).toThrowErrorMatchingInlineSnapshot(
      `[CreditError: inputTokens must be a whole number of tokens from 0 to 9007199254740991; got -1]`,
    );
    expect(() => costOf(gpt4o, 0, 0, 1.5)).toThrowErrorMatchingInlineSnapshot(
      `[CreditError: outputTokens must be a whole number of tokens from 0 to 9007199254740991; got 1.5]`,
    );
    expect(() => costOf(gpt4o, Number.NaN, 0, 0)).toThrow('feePercent must be a number from 0 to 100; got NaN');
  });

  it('refuses a cost beyond safe integers instead of rounding it', () => {
    expect(() => costOf({ inputPer1K: 1_000_000, outputPer1K: 0 }, 0, Number.MAX_SAFE_INTEGER, 0)).toThrow(/beyond what the ledger can hold/);
  });
});

describe('holdFor and settleAmount', () => {
  it('holds the worst case: input plus maxTokens of output', () => {
    expect(holdFor({ rate: gpt4o, feePercent: 0, inputTokens: 1000, maxTokens: 1000 })).toBe(13);
    expect(holdFor({ rate: gpt4o, feePercent: 0, inputTokens: 1000, maxTokens: 0 })).toBe(3);
  });

  it('charges the cost under the hold, and caps it at the hold with the rest as overage (B-03)', () => {
    expect(settleAmount({ rate: gpt4o, feePercent: 0, inputTokens: 1000, outputTokens: 100, hold: 13 })).toEqual({ cost: 4, charge: 4, overage: 0 });
    expect(settleAmount({ rate: gpt4o, feePercent: 0, inputTokens: 1000, outputTokens: 5000, hold: 13 })).toEqual({ cost: 53, charge: 13, overage: 40 });
  });
});

describe('maxTokensWithin', () => {
  it('derives max_tokens from the hold', () => {
    // 13 credits, 2.5 spent on 1000 input: 10.5 left at 0.01 per token = 1050 tokens.
    expect(maxTokensWithin({ rate: gpt4o, feePercent: 0, inputTokens: 1000, hold: 13 })).toBe(1050);
    expect(maxTokensWithin({ rate: gpt4o, feePercent: 0, inputTokens: 1000, hold: 2 })).toBeUndefined();
    expect(maxTokensWithin({ rate: { inputPer1K: 1, outputPer1K: 0 }, feePercent: 0, inputTokens: 1000, hold: 1, limit: 4096 })).toBe(4096);
    expect(maxTokensWithin({ rate: gpt4o, feePercent: 0, inputTokens: 0, hold: 1_000_000, limit: 4096 })).toBe(4096);
  });

  it('is the largest output whose cost fits: cost(n) <= hold < cost(n + 1)', () => {
    const perMillion = fc.integer({ min: 0, max: 100_000_000 }); // rates as integer micro-credits per 1K
    fc.assert(
      fc.property(
        perMillion,
        fc.integer({ min: 1, max: 100_000_000 }),
        fc.integer({ min: 0, max: 100_000 }).map((x) => x / 1000), // fee % with 3 decimals
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (inputMicro, outputMicro, feePercent, inputTokens, hold) => {
          const rate = { inputPer1K: inputMicro / 1e6, outputPer1K: outputMicro / 1e6 };
          const most = maxTokensWithin({ rate, feePercent, inputTokens, hold });
          if (most === undefined) {
            expect(costOf(rate, feePercent, inputTokens, 0)).toBeGreaterThan(hold);
            return;
          }
          expect(costOf(rate, feePercent, inputTokens, most)).toBeLessThanOrEqual(hold);
          expect(costOf(rate, feePercent, inputTokens, most + 1)).toBeGreaterThan(hold);
          expect(holdFor({ rate, feePercent, inputTokens, maxTokens: most })).toBeLessThanOrEqual(hold);
        },
      ),
      { seed: 20250101, numRuns: 500 },
    );
  });
});
