import { useCredits } from '../../api/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatCredits, formatNumber } from '../components/format.js';
import type { UsageTotals } from './usage-range.js';

function BalanceStat({ ws }: { ws: string }) {
  const credits = useCredits(ws);
  const data = credits.data;
  return (
    <div className="stat">
      <span className="stat-label">Balance</span>
      <span className="stat-value" data-testid="usage-balance">
        {data === undefined ? '…' : `${formatCredits(data.balance)} credits`}
      </span>
      {data !== undefined && data.available !== data.balance && <span className="stat-note">{formatCredits(data.available)} available after the calls running now</span>}
      {data !== undefined && data.available <= 0 && <span className="stat-note danger">No credits left: steps that call a model fail until credits are added.</span>}
      {credits.error !== null && <ErrorNotice error={credits.error} title="The balance could not be read" />}
    </div>
  );
}

function UsedStat({ days, totals }: { days: number; totals: UsageTotals | undefined }) {
  return (
    <div className="stat">
      <span className="stat-label">Used in the last {days} days</span>
      <span className="stat-value" data-testid="usage-total">
        {totals === undefined ? '…' : `${formatCredits(totals.credits)} credits`}
      </span>
      {totals !== undefined && (
        <span className="stat-note">
          {formatNumber(totals.calls)} model call{totals.calls === 1 ? '' : 's'}, {formatNumber(totals.inputTokens)} input and {formatNumber(totals.outputTokens)} output tokens
        </span>
      )}
    </div>
  );
}

/** The balance (refreshing on its own) next to what the chosen range used. */
export function UsageStats({ ws, days, totals }: { ws: string; days: number; totals: UsageTotals | undefined }) {
  return (
    <section className="stats" aria-label="Credits">
      <BalanceStat ws={ws} />
      <UsedStat days={days} totals={totals} />
    </section>
  );
}
