import type { LedgerEntry, LedgerEntryKind } from '../../api/index.js';
import { formatCredits, formatNumber, formatTime } from '../components/format.js';

const KIND_LABEL: Record<LedgerEntryKind, string> = { purchase: 'Purchase', usage: 'Usage', refund: 'Refund', bonus: 'Bonus', adjustment: 'Adjustment' };

/** What an entry was for: the model and tokens of a call, else its note, else its key. */
function detailOf(entry: LedgerEntry): string {
  const meta = entry.meta ?? {};
  if (typeof meta.model === 'string') {
    const tokens = typeof meta.inputTokens === 'number' && typeof meta.outputTokens === 'number' ? ` (${formatNumber(meta.inputTokens)} in, ${formatNumber(meta.outputTokens)} out)` : '';
    return `${meta.model}${tokens}`;
  }
  if (typeof meta.note === 'string') return meta.note;
  return entry.key;
}

function signed(amount: number): string {
  return amount > 0 ? `+${formatCredits(amount)}` : formatCredits(amount);
}

/** The latest credit ledger entries, newest first. */
export function LedgerTable({ entries }: { entries: readonly LedgerEntry[] }) {
  return (
    <table className="table" data-testid="usage-ledger">
      <caption className="visually-hidden">Latest credit ledger entries, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Kind</th>
          <th scope="col" className="numeric">
            Credits
          </th>
          <th scope="col" className="numeric">
            Balance after
          </th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id}>
            <td>{formatTime(entry.at)}</td>
            <td>{KIND_LABEL[entry.kind] ?? entry.kind}</td>
            <td className={entry.amount < 0 ? 'numeric amount-out' : 'numeric amount-in'}>{signed(entry.amount)}</td>
            <td className="numeric">{formatCredits(entry.balanceAfter)}</td>
            <td className="ledger-detail">{detailOf(entry)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
