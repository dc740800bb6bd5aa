import { describe, expect, it } from 'vitest';
import { fillDays, lastDays, totalsOf } from './usage-range.js';

describe('lastDays', () => {
  it('covers the last n UTC days, today included, with `to` the start of tomorrow', () => {
    const range = lastDays(7, Date.UTC(2025, 0, 3, 23, 59));
    expect(range.days).toEqual(['2024-12-28', '2024-12-29', '2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02', '2025-01-03']);
    expect(range.from).toBe('2024-12-28');
    expect(range.to).toBe('2025-01-04');
  });
});

describe('fillDays and totalsOf', () => {
  it('keeps the server rows, adds zero rows for the other days, and sums them', () => {
    const used = { group: '2025-01-02', credits: 12, calls: 3, inputTokens: 900, outputTokens: 120 };
    const rows = fillDays([used], ['2025-01-01', '2025-01-02', '2025-01-03']);
    expect(rows).toEqual([{ group: '2025-01-01', credits: 0, calls: 0, inputTokens: 0, outputTokens: 0 }, used, { group: '2025-01-03', credits: 0, calls: 0, inputTokens: 0, outputTokens: 0 }]);
    expect(totalsOf(rows)).toEqual({ credits: 12, calls: 3, inputTokens: 900, outputTokens: 120 });
  });
});
