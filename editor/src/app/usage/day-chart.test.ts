import { describe, expect, it } from 'vitest';
import type { UsageRow } from '../../api/index.js';
import { DAY_CHART_BOX, layoutDayChart, niceStep } from './day-chart.js';
import { fillDays, lastDays } from './usage-range.js';

const row = (group: string, credits: number, calls = 1): UsageRow => ({ group, credits, calls, inputTokens: credits * 10, outputTokens: credits * 2 });

describe('niceStep', () => {
  it('rounds up to 1, 2 or 5 times a power of ten, never below one credit', () => {
    expect([0, 0.4, 1, 1.2, 3, 7, 30, 120, 4000].map(niceStep)).toEqual([1, 1, 1, 2, 5, 10, 50, 200, 5000]);
  });
});

describe('layoutDayChart', () => {
  const days = ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04'];
  const rows = fillDays([row('2025-03-01', 40), row('2025-03-03', 100, 4)], days);
  const layout = layoutDayChart(rows);
  const { plot } = layout;

  it('draws one bar per day in order, zero days included, each inside its own column', () => {
    expect(layout.bars.map((b) => [b.day, b.credits])).toEqual([
      ['2025-03-01', 40],
      ['2025-03-02', 0],
      ['2025-03-03', 100],
      ['2025-03-04', 0],
    ]);
    for (const [i, bar] of layout.bars.entries()) {
      expect(bar.slotX).toBeCloseTo(plot.left + (i * (plot.right - plot.left)) / 4);
      expect(bar.x).toBeGreaterThan(bar.slotX);
      expect(bar.x + bar.width).toBeLessThan(bar.slotX + bar.slotWidth);
      expect(bar.y + bar.height).toBeCloseTo(plot.bottom);
    }
    expect(layout.bars[1]?.height).toBe(0);
  });

  it('scales heights to a round top value and labels the axis from zero up to it', () => {
    // 100 credits → steps of 50 → the scale tops at 100, so the biggest bar fills the plot.
    expect(layout.yTicks.map((t) => t.value)).toEqual([0, 50, 100]);
    expect(layout.yTicks[0]?.y).toBe(plot.bottom);
    expect(layout.yTicks[2]?.y).toBe(plot.top);
    expect(layout.bars[2]?.height).toBeCloseTo(plot.bottom - plot.top);
    expect(layout.bars[0]?.height).toBeCloseTo((plot.bottom - plot.top) * 0.4);
    expect(layout.yTicks.map((t) => t.label)).toEqual(['0', '50', '100']);
  });

  it('says what each day used in its tooltip, and that a day used nothing', () => {
    expect(layout.bars[2]?.title).toMatch(/100 credits, 4 calls, 1,000 input and 200 output tokens$/);
    expect(layout.bars[1]?.title).toMatch(/no credits used$/);
  });

  it('keeps a sliver for a day whose usage is tiny next to the busiest one', () => {
    const tiny = layoutDayChart([row('2025-03-01', 1), row('2025-03-02', 100_000)]);
    expect(tiny.bars[0]?.height).toBe(1);
  });

  it('labels at most seven days, the newest always', () => {
    const month = layoutDayChart(fillDays([], lastDays(30, Date.UTC(2025, 2, 31)).days));
    expect(month.bars).toHaveLength(30);
    expect(month.xLabels.length).toBeLessThanOrEqual(7);
    const last = month.bars[29];
    expect(month.xLabels.at(-1)?.x).toBeCloseTo((last?.slotX ?? 0) + (last?.slotWidth ?? 0) / 2);
    expect(month.xLabels.at(-1)?.text).toMatch(/31/);
    // Nothing used: the scale still has a top, so nothing divides by zero.
    expect(month.bars.every((b) => b.height === 0 && Number.isFinite(b.y))).toBe(true);
    expect(month.width).toBe(DAY_CHART_BOX.width);
  });
});
