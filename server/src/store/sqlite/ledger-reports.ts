import type { LedgerEntryKind } from '@nexusflow/engine';
import type { ServerLedger, UsageRow } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { entryOf, type EntryRow } from './ledger-rows.js';
import { decodeCursor, pageLimit, pageOf } from './pagination.js';

/** Group of a usage entry without `meta.model` in usage by model. */
export const UNKNOWN_MODEL = 'unknown';

/*
 * Usage groups read the meta the LLM capability passes to hold and settle (nodes'
 * llm-capability.ts): `model`, `inputTokens`, `outputTokens`. Credits are the charged amounts
 * (usage entries are negative); uncollectable overage is an adjustment and not counted.
 */
const USAGE_COLUMNS = `
  -sum(amount) AS credits,
  coalesce(sum(json_extract(meta, '$.inputTokens')), 0) AS inputTokens,
  coalesce(sum(json_extract(meta, '$.outputTokens')), 0) AS outputTokens,
  count(*) AS calls`;
const USAGE_WHERE = "workspace_id = @ws AND kind = 'usage' AND at >= @from AND at < @to";

/** The ledger's reads for the credit routes: pages of entries, usage reports and the invariant check. */
export function sqliteLedgerReports({ db }: SqliteContext): Pick<Sync<ServerLedger>, 'page' | 'usage' | 'audit'> {
  const page = db.prepare<{ ws: string; kind: LedgerEntryKind | null; before: number | null; limit: number }, EntryRow>(
    `SELECT * FROM ledger_entries WHERE workspace_id = @ws AND (@kind IS NULL OR kind = @kind) AND (@before IS NULL OR seq < @before)
     ORDER BY seq DESC LIMIT @limit`,
  );
  type Range = { ws: string; from: number; to: number };
  const byDay = db.prepare<Range, UsageRow>(
    `SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS "group", ${USAGE_COLUMNS} FROM ledger_entries WHERE ${USAGE_WHERE} GROUP BY 1 ORDER BY 1`,
  );
  const byModel = db.prepare<Range & { unknown: string }, UsageRow>(
    `SELECT coalesce(json_extract(meta, '$.model'), @unknown) AS "group", ${USAGE_COLUMNS} FROM ledger_entries WHERE ${USAGE_WHERE} GROUP BY 1 ORDER BY 1`,
  );
  const account = db.prepare<[string], { balance: number; held: number }>('SELECT balance, held FROM balances WHERE workspace_id = ?');
  const sum = db.prepare<[string], number>('SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE workspace_id = ?').pluck();
  const openHeld = db.prepare<[string], number>("SELECT coalesce(sum(amount), 0) FROM holds WHERE workspace_id = ? AND state = 'open'").pluck();

  // One snapshot for the three reads, so a write in between cannot make a healthy ledger look broken.
  const audit = db.transaction((workspaceId: string) => {
    const { balance, held } = account.get(workspaceId) ?? { balance: 0, held: 0 };
    const total = sum.get(workspaceId) ?? 0;
    const ok = balance === total && balance >= 0 && held >= 0 && held <= balance && held === (openHeld.get(workspaceId) ?? 0);
    return { balance, sum: total, held, ok };
  });

  return {
    page(workspaceId, query) {
      const limit = pageLimit(query?.limit);
      const [before] = query?.cursor === undefined ? [null] : decodeCursor(query.cursor, ['number'] as const);
      const rows = page.all({ ws: workspaceId, kind: query?.kind ?? null, before, limit: limit + 1 });
      return pageOf(rows, limit, entryOf, (row) => [row.seq]);
    },
    usage(workspaceId, by, range) {
      const params = { ws: workspaceId, from: range.from, to: range.to };
      return by === 'model' ? byModel.all({ ...params, unknown: UNKNOWN_MODEL }) : byDay.all(params);
    },
    audit: (workspaceId) => audit.deferred(workspaceId),
  };
}
