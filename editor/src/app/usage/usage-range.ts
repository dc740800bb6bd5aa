import type { UsageRow } from '../../api/index.js';

/** The ranges the usage page offers, in days. */
export const RANGE_CHOICES = [7, 30, 90] as const;
export type RangeDays = (typeof RANGE_CHOICES)[number];

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of the UTC day holding `ms` (the server groups usage by UTC day). */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface UsageRange {
  /** First day, inclusive. */
  from: string;
  /** The day after the last one: the server's range excludes `to`. */
  to: string;
  /** Every day of the range, oldest first. */
  days: string[];
}

/** The last `count` UTC days, today included. Dates only, so the query key stays the same all day. */
export function lastDays(count: number, now: number): UsageRange {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const days = Array.from({ length: count }, (_, i) => utcDay(today - (count - 1 - i) * DAY_MS));
  return { from: days[0] ?? utcDay(today), to: utcDay(today + DAY_MS), days };
}

/** One row per day of `days`, with zeros for the days the server did not list (nothing was used). */
export function fillDays(rows: readonly UsageRow[], days: readonly string[]): UsageRow[] {
  const byDay = new Map(rows.map((row) => [row.group, row]));
  return days.map((day) => byDay.get(day) ?? { group: day, credits: 0, calls: 0, inputTokens: 0, outputTokens: 0 });
}

export interface UsageTotals {
  credits: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export function totalsOf(rows: readonly UsageRow[]): UsageTotals {
  return rows.reduce(
    (sum, row) => ({
      credits: sum.credits + row.credits,
      calls: sum.calls + row.calls,
      inputTokens: sum.inputTokens + row.inputTokens,
      outputTokens: sum.outputTokens + row.outputTokens,
    }),
    { credits: 0, calls: 0, inputTokens: 0, outputTokens: 0 },
  );
}
