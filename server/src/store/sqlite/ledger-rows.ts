import type { LedgerEntry, LedgerEntryKind } from '@nexusflow/engine';
import { fromJson } from './json.js';

/** A row of `ledger_entries`; `seq` orders a workspace's entries and is the page cursor. */
export interface EntryRow {
  seq: number;
  id: string;
  workspace_id: string;
  kind: LedgerEntryKind;
  amount: number;
  balance_after: number;
  key: string;
  meta: string | null;
  at: number;
}

export function entryOf(row: EntryRow): LedgerEntry {
  const entry: LedgerEntry = { id: row.id, workspaceId: row.workspace_id, kind: row.kind, amount: row.amount, balanceAfter: row.balance_after, key: row.key, at: row.at };
  const meta = fromJson<Record<string, unknown>>(row.meta);
  if (meta !== undefined) entry.meta = meta;
  return entry;
}
