import type { UsageRow } from '../../api/index.js';
import { formatCredits, formatNumber } from '../components/format.js';

/** Credits, calls and tokens per model, the biggest spender first, each with a bar relative to it. */
export function ModelUsageTable({ rows }: { rows: readonly UsageRow[] }) {
  const sorted = [...rows].sort((a, b) => b.credits - a.credits || a.group.localeCompare(b.group));
  const max = sorted[0]?.credits ?? 0;
  return (
    <table className="table usage-models" data-testid="usage-by-model">
      <caption className="visually-hidden">Credits used per model, most first</caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col" className="usage-credits-col">
            Credits
          </th>
          <th scope="col" className="numeric">
            Calls
          </th>
          <th scope="col" className="numeric">
            Input tokens
          </th>
          <th scope="col" className="numeric">
            Output tokens
          </th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => (
          <tr key={row.group} data-testid={`usage-model-${row.group}`}>
            <th scope="row">
              <code>{row.group}</code>
            </th>
            <td>
              <div className="usage-meter">
                <span className="usage-meter-track" aria-hidden="true">
                  <span className="usage-meter-fill" style={{ width: `${max === 0 ? 0 : (row.credits / max) * 100}%` }} />
                </span>
                <span className="numeric">{formatCredits(row.credits)}</span>
              </div>
            </td>
            <td className="numeric">{formatNumber(row.calls)}</td>
            <td className="numeric">{formatNumber(row.inputTokens)}</td>
            <td className="numeric">{formatNumber(row.outputTokens)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
