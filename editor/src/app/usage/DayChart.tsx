import { useId, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { UsageRow } from '../../api/index.js';
import { formatCredits } from '../components/format.js';
import { DAY_CHART_BOX, layoutDayChart, shortDay } from './day-chart.js';

function summaryOf(rows: readonly UsageRow[]): string {
  const total = rows.reduce((sum, row) => sum + row.credits, 0);
  const busiest = rows.reduce<UsageRow | undefined>((best, row) => (best === undefined || row.credits > best.credits ? row : best), undefined);
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first === undefined || last === undefined || busiest === undefined) return 'No days in the range.';
  const span = `${shortDay(first.group)} to ${shortDay(last.group)}`;
  return `${formatCredits(total)} credits from ${span}; the busiest day was ${shortDay(busiest.group)} with ${formatCredits(busiest.credits)}.`;
}

/** The content width of an element, following resizes; `fallback` until measured (or without ResizeObserver). */
function useContentWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(([entry]) => {
      const measured = Math.floor(entry?.contentRect.width ?? 0);
      if (measured > 0) setWidth(measured);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** Credits used per day as bars, one per day of `rows` (days without usage included, at zero). */
export function DayChart({ rows }: { rows: readonly UsageRow[] }) {
  const titleId = useId();
  const descId = useId();
  const frame = useRef<HTMLDivElement>(null);
  // Drawn at the width it gets, so labels keep their size instead of scaling with the SVG.
  const width = useContentWidth(frame, DAY_CHART_BOX.width);
  const layout = useMemo(() => layoutDayChart(rows, { ...DAY_CHART_BOX, width }), [rows, width]);
  const { plot } = layout;
  return (
    <div className="usage-chart" ref={frame}>
      <svg width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-labelledby={titleId} aria-describedby={descId} data-testid="usage-by-day">
        <title id={titleId}>Credits used per day</title>
        <desc id={descId}>{summaryOf(rows)}</desc>
        <g className="usage-chart-grid" aria-hidden="true">
          {layout.yTicks.map((tick) => (
            <g key={tick.value}>
              <line x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} />
              <text x={plot.left - 6} y={tick.y} textAnchor="end" dominantBaseline="middle">
                {tick.label}
              </text>
            </g>
          ))}
        </g>
        <g className="usage-chart-bars">
          {layout.bars.map((bar) => (
            <g key={bar.day} className="usage-bar" data-day={bar.day} data-credits={bar.credits}>
              <title>{bar.title}</title>
              <rect className="usage-bar-slot" x={bar.slotX} y={plot.top} width={bar.slotWidth} height={plot.bottom - plot.top} />
              <rect className="usage-bar-fill" x={bar.x} y={bar.y} width={bar.width} height={bar.height} rx={Math.min(2, bar.width / 4)} />
            </g>
          ))}
        </g>
        <line className="usage-chart-axis" x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} aria-hidden="true" />
        <g className="usage-chart-days" aria-hidden="true">
          {layout.xLabels.map((label) => (
            <text key={label.x} x={label.x} y={plot.bottom + 18} textAnchor="middle">
              {label.text}
            </text>
          ))}
        </g>
      </svg>
    </div>
  );
}
