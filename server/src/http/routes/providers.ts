import type { RouteSpec } from '../route-spec.js';

export const providerRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/workspaces/:workspaceId/providers',
    summary: 'LLM providers and whether each runs live or on the offline demo model',
    tag: 'providers',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    handle: ({ ctx }) => ({ items: ctx.llm.status() }),
  },
];
