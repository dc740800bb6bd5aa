import type { UsageRow } from '../../api/index.js';
import { formatCredits, formatNumber } from '../components/format.js';

/** The chart's drawing box (SVG user units; the SVG scales to its container). */
export interface ChartBox {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export const DAY_CHART_BOX: ChartBox = { width: 720, height: 220, margin: { top: 12, right: 12, bottom: 28, left: 44 } };

export interface DayBar {
  day: string;
  credits: number;
  /** The drawn bar; `height` is 0 on a day without usage. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The day's whole column, so every day (zero ones too) can be pointed at for its tooltip. */
  slotX: number;
  slotWidth: number;
  /** The tooltip. */
  title: string;
}

export interface AxisTick {
  value: number;
  y: number;
  label: string;
}

export interface DayLabel {
  x: number;
  text: string;
}

export interface DayChartLayout {
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; bottom: number };
  bars: DayBar[];
  /** From 0 up to the top of the scale. */
  yTicks: AxisTick[];
  /** A few day labels under the bars; the newest day always has one. */
  xLabels: DayLabel[];
}

/** The smallest of 1, 2, 5 × 10ⁿ at or above `raw` (whole credits: never below 1). */
export function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return step ?? 10 * power;
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** "Mar 5" for `2025-03-05`, read as the UTC day it is. */
export function shortDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function longDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function barTitle(row: UsageRow): string {
  if (row.credits === 0 && row.calls === 0) return `${longDay(row.group)}: no credits used`;
  const calls = `${formatNumber(row.calls)} call${row.calls === 1 ? '' : 's'}`;
  return `${longDay(row.group)}: ${formatCredits(row.credits)} credits, ${calls}, ${formatNumber(row.inputTokens)} input and ${formatNumber(row.outputTokens)} output tokens`;
}

const TARGET_TICKS = 4;
const MAX_DAY_LABELS = 7;
/** Share of a day's column the bar takes; the rest is the gap between bars. */
const BAR_SHARE = 0.7;

/** Where the bars, grid lines and labels of the credits-per-day chart go, one bar per row (oldest first). */
export function layoutDayChart(rows: readonly UsageRow[], box: ChartBox = DAY_CHART_BOX): DayChartLayout {
  const plot = { left: box.margin.left, right: box.width - box.margin.right, top: box.margin.top, bottom: box.height - box.margin.bottom };
  const plotHeight = plot.bottom - plot.top;
  const max = rows.reduce((m, row) => Math.max(m, row.credits), 0);
  const step = niceStep(max / TARGET_TICKS);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const yOf = (value: number) => plot.bottom - (value / top) * plotHeight;

  const yTicks: AxisTick[] = [];
  for (let value = 0; value <= top; value += step) yTicks.push({ value, y: yOf(value), label: compact.format(value) });

  const slotWidth = rows.length === 0 ? 0 : (plot.right - plot.left) / rows.length;
  const barWidth = Math.max(1, slotWidth * BAR_SHARE);
  const bars = rows.map((row, i): DayBar => {
    const slotX = plot.left + i * slotWidth;
    // A day with a little usage still shows a sliver, so it does not read as zero.
    const height = row.credits > 0 ? Math.max(1, (row.credits / top) * plotHeight) : 0;
    return { day: row.group, credits: row.credits, x: slotX + (slotWidth - barWidth) / 2, y: plot.bottom - height, width: barWidth, height, slotX, slotWidth, title: barTitle(row) };
  });

  // Count back from the newest day so today is always labelled.
  const every = Math.max(1, Math.ceil(rows.length / MAX_DAY_LABELS));
  const xLabels = bars.filter((_, i) => (rows.length - 1 - i) % every === 0).map((bar) => ({ x: bar.slotX + bar.slotWidth / 2, text: shortDay(bar.day) }));

  return { width: box.width, height: box.height, plot, bars, yTicks, xLabels };
}
