import { notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { principalOf } from './lookups.js';

export const workspaceRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/workspaces',
    summary: 'Workspaces you belong to, with your role in each',
    tag: 'workspaces',
    access: { kind: 'user' },
    async handle({ ctx, actor }) {
      const workspaces = await ctx.store.workspaces.forUser(actor);
      return { items: workspaces.map((w) => ({ id: w.id, name: w.name, role: w.role, createdAt: w.createdAt })) };
    },
  },
  {
    method: 'post',
    path: '/workspaces',
    summary: 'Create a workspace; you become its owner',
    tag: 'workspaces',
    access: { kind: 'user' },
    body: 'WorkspaceCreate',
    status: 201,
    async handle({ ctx, actor, body }) {
      const workspace = await ctx.store.workspaces.create({ name: (body as { name: string }).name, ownerId: actor });
      return { ...workspace, role: 'owner' };
    },
  },
  {
    method: 'get',
    path: '/workspaces/:workspaceId',
    summary: 'A workspace and your role in it',
    tag: 'workspaces',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle(request) {
      const workspace = await request.ctx.store.workspaces.byId(request.workspaceId);
      if (workspace === undefined) throw notFound('the workspace');
      return { ...workspace, role: principalOf(request).role };
    },
  },
  {
    method: 'patch',
    path: '/workspaces/:workspaceId',
    summary: 'Rename a workspace',
    tag: 'workspaces',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'WorkspaceUpdate',
    async handle(request) {
      const workspace = await request.ctx.store.workspaces.rename(request.workspaceId, (request.body as { name: string }).name);
      if (workspace === undefined) throw notFound('the workspace');
      return { ...workspace, role: principalOf(request).role };
    },
  },
];
