import type { FlowDocument } from '@nexusflow/schemas';
import { StoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { FlowVersion, FlowVersionRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { setOptional } from './json.js';

interface VersionRow {
  id: string;
  workspace_id: string;
  flow_id: string;
  version: number;
  document: string;
  hash: string;
  note: string | null;
  created_by: string;
  created_at: number;
}

function summaryOf(row: Omit<VersionRow, 'document'>): Omit<FlowVersion, 'document'> {
  const version: Omit<FlowVersion, 'document'> = {
    id: row.id,
    workspaceId: row.workspace_id,
    flowId: row.flow_id,
    version: row.version,
    hash: row.hash,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
  setOptional(version, 'note', row.note);
  return version;
}

function versionOf(row: VersionRow): FlowVersion {
  return { ...summaryOf(row), document: JSON.parse(row.document) as FlowDocument };
}

/** Published, immutable versions; numbers 1, 2, 3 ... per flow, assigned inside the write lock. */
export function sqliteVersions({ db, now }: SqliteContext): Sync<FlowVersionRepository> {
  const flowExists = db.prepare<[string, string], number>('SELECT 1 FROM flows WHERE workspace_id = ? AND id = ?').pluck();
  const nextVersion = db.prepare<[string, string], number>('SELECT coalesce(max(version), 0) + 1 FROM flow_versions WHERE workspace_id = ? AND flow_id = ?').pluck();
  const insert = db.prepare(
    'INSERT INTO flow_versions (id, workspace_id, flow_id, version, document, hash, note, created_by, created_at) VALUES (@id, @workspace_id, @flow_id, @version, @document, @hash, @note, @created_by, @created_at)',
  );
  const get = db.prepare<[string, string], VersionRow>('SELECT * FROM flow_versions WHERE workspace_id = ? AND id = ?');
  const list = db.prepare<[string, string], Omit<VersionRow, 'document'>>(
    'SELECT id, workspace_id, flow_id, version, hash, note, created_by, created_at FROM flow_versions WHERE workspace_id = ? AND flow_id = ? ORDER BY version DESC',
  );

  const publish = db.transaction((workspaceId: string, flowId: string, input: { document: FlowDocument; hash: string; note?: string; createdBy: string }): FlowVersion => {
    if (flowExists.get(workspaceId, flowId) === undefined) throw new StoreError('not_found', `no flow has the id ${flowId} in this workspace`);
    const row: VersionRow = {
      id: newId(),
      workspace_id: workspaceId,
      flow_id: flowId,
      version: nextVersion.get(workspaceId, flowId) ?? 1,
      document: JSON.stringify(input.document),
      hash: input.hash,
      note: input.note ?? null,
      created_by: input.createdBy,
      created_at: now(),
    };
    insert.run(row);
    return versionOf(row);
  });

  return {
    publish: (workspaceId, flowId, input) => publish.immediate(workspaceId, flowId, input),
    get(workspaceId, id) {
      const row = get.get(workspaceId, id);
      return row === undefined ? undefined : versionOf(row);
    },
    list: (workspaceId, flowId) => list.all(workspaceId, flowId).map(summaryOf),
  };
}
