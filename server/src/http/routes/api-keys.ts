import { generateApiKey, roleAtLeast } from '../../auth/index.js';
import type { ApiKey, ApiKeyScope, Role } from '../../store/types.js';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { principalOf } from './lookups.js';

const API_KEYS = '/workspaces/:workspaceId/api-keys';

interface ApiKeyCreateBody {
  name: string;
  scopes?: ApiKeyScope[];
  role?: Role;
}

/** A key as lists show it: never its hash. */
const presentKey = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  role: key.role,
  createdBy: key.createdBy,
  createdAt: key.createdAt,
  ...(key.lastUsedAt === undefined ? {} : { lastUsedAt: key.lastUsedAt }),
  ...(key.revokedAt === undefined ? {} : { revokedAt: key.revokedAt }),
});

export const apiKeyRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: API_KEYS,
    summary: 'API keys of the workspace (prefixes only; a key is shown once, when created)',
    tag: 'api-keys',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId }) {
      return { items: (await ctx.store.apiKeys.list(workspaceId)).map(presentKey) };
    },
  },
  {
    method: 'post',
    path: API_KEYS,
    summary: 'Create an API key with scopes and a role no higher than yours; the answer is the only time the key is shown',
    tag: 'api-keys',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'ApiKeyCreate',
    status: 201,
    async handle(request) {
      const { ctx, workspaceId, actor } = request;
      const input = request.body as ApiKeyCreateBody;
      const role = input.role ?? 'editor';
      const principal = principalOf(request);
      if (!roleAtLeast(principal.role, role)) {
        throw new ApiError(403, 'forbidden', `a key may not have a higher role than its creator: you have role ${principal.role}, the key asks for ${role}`, [{ pointer: '/role', message: `at most ${principal.role}` }]);
      }
      const generated = generateApiKey();
      const key = await ctx.store.apiKeys.create({ workspaceId, name: input.name, prefix: generated.prefix, hash: generated.hash, scopes: input.scopes ?? ['chat'], role, createdBy: actor });
      const { createdBy: _by, ...apiKey } = presentKey(key);
      return { key: generated.key, apiKey };
    },
  },
  {
    method: 'delete',
    path: `${API_KEYS}/:keyId`,
    summary: 'Revoke an API key (it stops working at once)',
    tag: 'api-keys',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params }) {
      const keyId = params.keyId ?? '';
      if (!(await ctx.store.apiKeys.revoke(workspaceId, keyId, ctx.now()))) throw notFound(`API key "${keyId}"`);
      return undefined;
    },
  },
];
