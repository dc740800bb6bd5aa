import type { FlowDocument } from '@nexusflow/schemas';
import { StoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { Flow, FlowRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { decodeCursor, pageLimit, pageOf } from './pagination.js';
import { conflictOf } from './sqlite-errors.js';

interface FlowRow {
  workspace_id: string;
  id: string;
  name: string;
  document: string;
  revision: number;
  created_at: number;
  updated_at: number;
}

type FlowSummaryRow = Omit<FlowRow, 'document'>;

function summaryOf(row: FlowSummaryRow): Omit<Flow, 'document'> {
  return { id: row.id, workspaceId: row.workspace_id, name: row.name, revision: row.revision, createdAt: row.created_at, updatedAt: row.updated_at };
}

function flowOf(row: FlowRow): Flow {
  return { ...summaryOf(row), document: JSON.parse(row.document) as FlowDocument };
}

/** The draft's JSON with `document.id` set to the flow's id (the one invariant the store keeps for it). */
function documentJson(document: FlowDocument, id: string): string {
  return JSON.stringify({ ...document, id });
}

/**
 * Flow drafts. Ids are unique per workspace (an imported flow keeps its id in every workspace it is
 * imported into); `revision` counts updates for optimistic locking.
 */
export function sqliteFlows({ db, now }: SqliteContext): Sync<FlowRepository> {
  const insert = db.prepare(
    'INSERT INTO flows (workspace_id, id, name, document, revision, created_at, updated_at) VALUES (@workspace_id, @id, @name, @document, @revision, @created_at, @updated_at)',
  );
  const get = db.prepare<[string, string], FlowRow>('SELECT * FROM flows WHERE workspace_id = ? AND id = ?');
  const list = db.prepare<{ ws: string; at: number | null; id: string | null; limit: number }, FlowSummaryRow>(
    `SELECT workspace_id, id, name, revision, created_at, updated_at FROM flows
     WHERE workspace_id = @ws AND (@at IS NULL OR created_at < @at OR (created_at = @at AND id < @id))
     ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const update = db.prepare('UPDATE flows SET name = @name, document = @document, revision = @revision, updated_at = @updated_at WHERE workspace_id = @workspace_id AND id = @id');
  const deleteDeployments = db.prepare('DELETE FROM deployments WHERE workspace_id = ? AND flow_id = ?');
  const deleteVersions = db.prepare('DELETE FROM flow_versions WHERE workspace_id = ? AND flow_id = ?');
  const deleteFlow = db.prepare('DELETE FROM flows WHERE workspace_id = ? AND id = ?');

  const updateTx = db.transaction((workspaceId: string, id: string, patch: { name?: string; document?: FlowDocument }, expectedRevision?: number) => {
    const row = get.get(workspaceId, id);
    if (row === undefined) return undefined;
    if (expectedRevision !== undefined && expectedRevision !== row.revision) {
      throw new StoreError('conflict', `the flow was saved by someone else meanwhile (revision ${row.revision}, not ${expectedRevision}); reload it and apply the change again`);
    }
    const next: FlowRow = {
      ...row,
      name: patch.name ?? row.name,
      document: patch.document === undefined ? row.document : documentJson(patch.document, id),
      revision: row.revision + 1,
      updated_at: now(),
    };
    update.run(next);
    return flowOf(next);
  });

  // Deployments first: they point at versions, which point at the flow.
  const deleteTx = db.transaction((workspaceId: string, id: string): boolean => {
    deleteDeployments.run(workspaceId, id);
    deleteVersions.run(workspaceId, id);
    return deleteFlow.run(workspaceId, id).changes > 0;
  });

  return {
    create(workspaceId, input) {
      const id = input.id ?? newId();
      const at = now();
      const row: FlowRow = { workspace_id: workspaceId, id, name: input.name, document: documentJson(input.document, id), revision: 1, created_at: at, updated_at: at };
      try {
        insert.run(row);
      } catch (error) {
        throw conflictOf(error, { 'flows.workspace_id, flows.id': `a flow with the id ${id} exists in this workspace` });
      }
      return flowOf(row);
    },
    get(workspaceId, id) {
      const row = get.get(workspaceId, id);
      return row === undefined ? undefined : flowOf(row);
    },
    list(workspaceId, query) {
      const limit = pageLimit(query?.limit);
      const [at, id] = query?.cursor === undefined ? [null, null] : decodeCursor(query.cursor, ['number', 'string'] as const);
      const rows = list.all({ ws: workspaceId, at, id, limit: limit + 1 });
      return pageOf(rows, limit, summaryOf, (row) => [row.created_at, row.id]);
    },
    update: (workspaceId, id, patch, expectedRevision) => updateTx.immediate(workspaceId, id, patch, expectedRevision),
    delete: (workspaceId, id) => deleteTx.immediate(workspaceId, id),
  };
}
