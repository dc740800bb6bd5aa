import { useId, useMemo, useState } from 'react';
import { useLedger, useUsage } from '../../api/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { DayChart } from '../usage/DayChart.js';
import { LedgerTable } from '../usage/LedgerTable.js';
import { ModelUsageTable } from '../usage/ModelUsageTable.js';
import { UsageStats } from '../usage/UsageStats.js';
import { RANGE_CHOICES, fillDays, lastDays, totalsOf, utcDay, type RangeDays } from '../usage/usage-range.js';
import '../usage/usage.css';

const LEDGER_ENTRIES = 20;

function RangePicker({ value, onChange }: { value: RangeDays; onChange: (days: RangeDays) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Range">
      {RANGE_CHOICES.map((days) => (
        <button key={days} type="button" className="button button-small" aria-pressed={days === value} onClick={() => onChange(days)} data-testid={`usage-range-${days}`}>
          {days} days
        </button>
      ))}
    </div>
  );
}

/** Credits of the workspace: balance, use per day and per model over a chosen range, and the ledger. */
export function UsagePage({ ws }: { ws: string }) {
  const [rangeDays, setRangeDays] = useState<RangeDays>(30);
  // Keyed by the UTC day so the range (and the query key) moves only when the day changes.
  const today = utcDay(Date.now());
  const range = useMemo(() => lastDays(rangeDays, Date.parse(today)), [rangeDays, today]);
  const byDay = useUsage(ws, 'day', { from: range.from, to: range.to });
  const byModel = useUsage(ws, 'model', { from: range.from, to: range.to });
  const ledger = useLedger(ws, LEDGER_ENTRIES);
  const dayRows = useMemo(() => (byDay.data === undefined ? undefined : fillDays(byDay.data.items, range.days)), [byDay.data, range]);
  const totals = byDay.data === undefined ? undefined : totalsOf(byDay.data.items);
  const noUsage = totals !== undefined && totals.credits === 0 && totals.calls === 0;
  const dayTitle = useId();
  const modelTitle = useId();
  const ledgerTitle = useId();

  return (
    <div className="page usage-page" data-testid="usage-page">
      <div className="page-header">
        <h1>Usage</h1>
        <div className="page-actions">
          <RangePicker value={rangeDays} onChange={setRangeDays} />
        </div>
      </div>

      <UsageStats ws={ws} days={rangeDays} totals={totals} />

      <section className="usage-section" aria-labelledby={dayTitle}>
        <h2 id={dayTitle}>Credits per day</h2>
        {byDay.isPending && <p className="muted">Loading usage…</p>}
        {byDay.error !== null && <ErrorNotice error={byDay.error} title="Usage per day could not be loaded" />}
        {noUsage && (
          <p className="empty" data-testid="usage-empty">
            No usage yet in the last {rangeDays} days. Credits are charged when the steps of a flow call a model; try the test chat of a flow, or pick a longer range.
          </p>
        )}
        {dayRows !== undefined && !noUsage && <DayChart rows={dayRows} />}
      </section>

      <section className="usage-section" aria-labelledby={modelTitle}>
        <h2 id={modelTitle}>Per model</h2>
        {byModel.isPending && <p className="muted">Loading usage per model…</p>}
        {byModel.error !== null && <ErrorNotice error={byModel.error} title="Usage per model could not be loaded" />}
        {byModel.data !== undefined && byModel.data.items.length === 0 && <p className="empty">No model was called in the last {rangeDays} days.</p>}
        {byModel.data !== undefined && byModel.data.items.length > 0 && <ModelUsageTable rows={byModel.data.items} />}
      </section>

      <section className="usage-section" aria-labelledby={ledgerTitle}>
        <h2 id={ledgerTitle}>Latest ledger entries</h2>
        {ledger.isPending && <p className="muted">Loading the ledger…</p>}
        {ledger.error !== null && <ErrorNotice error={ledger.error} title="The ledger could not be loaded" />}
        {ledger.data !== undefined && ledger.data.items.length === 0 && <p className="empty">No ledger entries yet.</p>}
        {ledger.data !== undefined && ledger.data.items.length > 0 && <LedgerTable entries={ledger.data.items} />}
      </section>
    </div>
  );
}
