import type { FlowVersion } from '../../store/types.js';
import type { RouteSpec } from '../route-spec.js';
import { FLOWS } from './flows.js';
import { compileForWorkspace, requireFlow, requireVersion } from './lookups.js';

export const presentVersion = (v: Omit<FlowVersion, 'document'> & { document?: FlowVersion['document'] }) => ({
  id: v.id,
  flowId: v.flowId,
  version: v.version,
  hash: v.hash,
  ...(v.note === undefined ? {} : { note: v.note }),
  createdBy: v.createdBy,
  createdAt: v.createdAt,
  ...(v.document === undefined ? {} : { document: v.document }),
});

export const versionRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: `${FLOWS}/:flowId/versions`,
    summary: 'Publish the draft as an immutable version (the draft must validate)',
    tag: 'versions',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    body: 'Publish',
    status: 201,
    async handle({ ctx, workspaceId, params, body, actor }) {
      const flow = await requireFlow(ctx, workspaceId, params.flowId ?? '');
      // The draft may have been saved before a plugin it uses was removed: check it again now.
      const compiled = await compileForWorkspace(ctx, workspaceId, flow.document, '/document');
      const { note } = body as { note?: string };
      const version = await ctx.store.versions.publish(workspaceId, flow.id, {
        document: flow.document,
        hash: compiled.hash,
        createdBy: actor,
        ...(note === undefined ? {} : { note }),
      });
      ctx.cluster.bus.announce({ type: 'flow.published', workspaceId, flowId: flow.id });
      return presentVersion(version);
    },
  },
  {
    method: 'get',
    path: `${FLOWS}/:flowId/versions`,
    summary: 'Published versions of a flow, newest first, without documents',
    tag: 'versions',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params }) {
      const flow = await requireFlow(ctx, workspaceId, params.flowId ?? '');
      return { items: (await ctx.store.versions.list(workspaceId, flow.id)).map(presentVersion) };
    },
  },
  {
    method: 'get',
    path: '/workspaces/:workspaceId/versions/:versionId',
    summary: 'One published version with its document',
    tag: 'versions',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params }) {
      return presentVersion(await requireVersion(ctx, workspaceId, params.versionId ?? ''));
    },
  },
];
