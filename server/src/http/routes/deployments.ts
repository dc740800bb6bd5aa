import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../app-context.js';
import type { Deployment, FlowVersion } from '../../store/types.js';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { requireDeployment, requireFlow, requireVersion } from './lookups.js';
import { queryString } from './query.js';

const DEPLOYMENTS = '/workspaces/:workspaceId/deployments';

/** `pk_` and 24 base64url characters (144 random bits): what a web widget joins with. */
export function newPublishableKey(): string {
  return `pk_${randomBytes(18).toString('base64url')}`;
}

/** A version of `flowId` in this workspace; another flow's version is refused with the field named. */
async function versionOfFlow(ctx: AppContext, workspaceId: string, flowId: string, versionId: string): Promise<FlowVersion> {
  const version = await requireVersion(ctx, workspaceId, versionId);
  if (version.flowId !== flowId) {
    throw new ApiError(400, 'invalid_request', `version "${versionId}" belongs to flow "${version.flowId}", not to "${flowId}"; pick a version of this deployment's flow`, [
      { pointer: '/versionId', message: `not a version of flow "${flowId}"` },
    ]);
  }
  return version;
}

/**
 * The version a rollback returns to: the history entry before the last time the deployment was
 * pointed at its current version, skipping entries of that same version. Rolling back twice
 * therefore returns to where the first rollback started (like `cd -`).
 */
export function rollbackTarget(deployment: Deployment): string | undefined {
  const { history, versionId } = deployment;
  let index = history.length - 1;
  while (index >= 0 && history[index]?.versionId !== versionId) index -= 1;
  for (let i = (index < 0 ? history.length : index) - 1; i >= 0; i -= 1) {
    const candidate = history[i]?.versionId;
    if (candidate !== undefined && candidate !== versionId) return candidate;
  }
  return undefined;
}

interface DeploymentCreateBody {
  flowId: string;
  key: string;
  name?: string;
  versionId?: string;
}

export const deploymentRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: DEPLOYMENTS,
    summary: 'Deployments of the workspace (?flowId for one flow)',
    tag: 'deployments',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, req }) {
      return { items: await ctx.store.deployments.list(workspaceId, queryString(req, 'flowId')) };
    },
  },
  {
    method: 'post',
    path: DEPLOYMENTS,
    summary: "Deploy a flow under a key; the version defaults to the flow's newest",
    tag: 'deployments',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'DeploymentCreate',
    status: 201,
    async handle({ ctx, workspaceId, body, actor }) {
      const input = body as DeploymentCreateBody;
      const flow = await requireFlow(ctx, workspaceId, input.flowId);
      let versionId = input.versionId;
      if (versionId === undefined) {
        versionId = (await ctx.store.versions.list(workspaceId, flow.id))[0]?.id;
        if (versionId === undefined) throw new ApiError(409, 'no_version', `flow "${flow.id}" has no published version; publish a version first`);
      } else {
        await versionOfFlow(ctx, workspaceId, flow.id, versionId);
      }
      if ((await ctx.store.deployments.byKey(workspaceId, input.key)) !== undefined) {
        throw new ApiError(409, 'conflict', `a deployment with key "${input.key}" already exists in this workspace; pick another key`, [{ pointer: '/key', message: 'already used' }]);
      }
      return ctx.store.deployments.create(workspaceId, {
        flowId: flow.id,
        key: input.key,
        name: input.name ?? flow.name,
        versionId,
        publishableKey: newPublishableKey(),
        by: actor,
      });
    },
  },
  {
    method: 'get',
    path: `${DEPLOYMENTS}/:deploymentId`,
    summary: 'A deployment with its version history',
    tag: 'deployments',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    handle: ({ ctx, workspaceId, params }) => requireDeployment(ctx, workspaceId, params.deploymentId ?? ''),
  },
  {
    method: 'delete',
    path: `${DEPLOYMENTS}/:deploymentId`,
    summary: 'Delete a deployment (its widget and API key stop answering)',
    tag: 'deployments',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params }) {
      const deploymentId = params.deploymentId ?? '';
      if (!(await ctx.store.deployments.delete(workspaceId, deploymentId))) throw notFound(`deployment "${deploymentId}"`);
      return undefined;
    },
  },
  {
    method: 'put',
    path: `${DEPLOYMENTS}/:deploymentId/version`,
    summary: 'Point a deployment at another version of its flow (new conversations start on it)',
    tag: 'deployments',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'DeploymentPoint',
    async handle({ ctx, workspaceId, params, body, actor }) {
      const deployment = await requireDeployment(ctx, workspaceId, params.deploymentId ?? '');
      const version = await versionOfFlow(ctx, workspaceId, deployment.flowId, (body as { versionId: string }).versionId);
      const updated = await ctx.store.deployments.setVersion(workspaceId, deployment.id, version.id, actor);
      if (updated === undefined) throw notFound(`deployment "${deployment.id}"`);
      return updated;
    },
  },
  {
    method: 'post',
    path: `${DEPLOYMENTS}/:deploymentId/rollback`,
    summary: 'Point a deployment back at the version it had before the current one',
    tag: 'deployments',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params, actor }) {
      const deployment = await requireDeployment(ctx, workspaceId, params.deploymentId ?? '');
      const target = rollbackTarget(deployment);
      if (target === undefined) throw new ApiError(409, 'nothing_to_roll_back', `deployment "${deployment.key}" has only ever run one version; there is nothing to roll back to`);
      await requireVersion(ctx, workspaceId, target);
      const updated = await ctx.store.deployments.setVersion(workspaceId, deployment.id, target, actor);
      if (updated === undefined) throw notFound(`deployment "${deployment.id}"`);
      return updated;
    },
  },
];
