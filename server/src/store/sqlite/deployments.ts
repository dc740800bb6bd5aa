import { StoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { Deployment, DeploymentRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { conflictOf } from './sqlite-errors.js';

interface DeploymentRow {
  id: string;
  workspace_id: string;
  flow_id: string;
  key: string;
  name: string;
  version_id: string;
  publishable_key: string;
  history: string;
  created_at: number;
  updated_at: number;
}

function deploymentOf(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    flowId: row.flow_id,
    key: row.key,
    name: row.name,
    versionId: row.version_id,
    publishableKey: row.publishable_key,
    history: JSON.parse(row.history) as Deployment['history'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Deployments. A deployment may only point at a version of its own flow in its own workspace, so
 * a deployment can never serve another tenant's flow.
 */
export function sqliteDeployments({ db, now }: SqliteContext): Sync<DeploymentRepository> {
  const flowExists = db.prepare<[string, string], number>('SELECT 1 FROM flows WHERE workspace_id = ? AND id = ?').pluck();
  const versionFlow = db.prepare<[string, string], string>('SELECT flow_id FROM flow_versions WHERE workspace_id = ? AND id = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO deployments (id, workspace_id, flow_id, key, name, version_id, publishable_key, history, created_at, updated_at)
     VALUES (@id, @workspace_id, @flow_id, @key, @name, @version_id, @publishable_key, @history, @created_at, @updated_at)`,
  );
  const get = db.prepare<[string, string], DeploymentRow>('SELECT * FROM deployments WHERE workspace_id = ? AND id = ?');
  const byKey = db.prepare<[string, string], DeploymentRow>('SELECT * FROM deployments WHERE workspace_id = ? AND key = ?');
  const byPublishableKey = db.prepare<[string], DeploymentRow>('SELECT * FROM deployments WHERE publishable_key = ?');
  const list = db.prepare<{ ws: string; flow: string | null }, DeploymentRow>(
    'SELECT * FROM deployments WHERE workspace_id = @ws AND (@flow IS NULL OR flow_id = @flow) ORDER BY created_at DESC, id DESC',
  );
  const setVersion = db.prepare('UPDATE deployments SET version_id = @version_id, history = @history, updated_at = @updated_at WHERE workspace_id = @workspace_id AND id = @id');
  const remove = db.prepare('DELETE FROM deployments WHERE workspace_id = ? AND id = ?');

  function requireVersionOf(workspaceId: string, flowId: string, versionId: string): void {
    if (versionFlow.get(workspaceId, versionId) !== flowId) {
      throw new StoreError('not_found', `no version has the id ${versionId} in flow ${flowId} of this workspace`);
    }
  }

  const create = db.transaction((workspaceId: string, input: Parameters<DeploymentRepository['create']>[1]): Deployment => {
    if (flowExists.get(workspaceId, input.flowId) === undefined) throw new StoreError('not_found', `no flow has the id ${input.flowId} in this workspace`);
    requireVersionOf(workspaceId, input.flowId, input.versionId);
    const at = now();
    const row: DeploymentRow = {
      id: newId(),
      workspace_id: workspaceId,
      flow_id: input.flowId,
      key: input.key,
      name: input.name,
      version_id: input.versionId,
      publishable_key: input.publishableKey,
      history: JSON.stringify([{ versionId: input.versionId, at, by: input.by }]),
      created_at: at,
      updated_at: at,
    };
    try {
      insert.run(row);
    } catch (error) {
      throw conflictOf(error, {
        'deployments.workspace_id, deployments.key': `the deployment key ${input.key} is taken in this workspace`,
        'deployments.publishable_key': 'the publishable key is taken',
      });
    }
    return deploymentOf(row);
  });

  const setVersionTx = db.transaction((workspaceId: string, id: string, versionId: string, by: string): Deployment | undefined => {
    const row = get.get(workspaceId, id);
    if (row === undefined) return undefined;
    requireVersionOf(workspaceId, row.flow_id, versionId);
    const at = now();
    const history = [...(JSON.parse(row.history) as Deployment['history']), { versionId, at, by }];
    const next: DeploymentRow = { ...row, version_id: versionId, history: JSON.stringify(history), updated_at: at };
    setVersion.run(next);
    return deploymentOf(next);
  });

  const one = (row: DeploymentRow | undefined) => (row === undefined ? undefined : deploymentOf(row));
  return {
    create: (workspaceId, input) => create.immediate(workspaceId, input),
    get: (workspaceId, id) => one(get.get(workspaceId, id)),
    byKey: (workspaceId, key) => one(byKey.get(workspaceId, key)),
    byPublishableKey: (publishableKey) => one(byPublishableKey.get(publishableKey)),
    list: (workspaceId, flowId) => list.all({ ws: workspaceId, flow: flowId ?? null }).map(deploymentOf),
    setVersion: (workspaceId, id, versionId, by) => setVersionTx.immediate(workspaceId, id, versionId, by),
    delete: (workspaceId, id) => remove.run(workspaceId, id).changes > 0,
  };
}
