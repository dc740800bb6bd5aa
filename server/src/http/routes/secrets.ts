import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';

const SECRETS = '/workspaces/:workspaceId/secrets';
/** Upper-case names, as environment variables: `OPENAI_KEY`, `CRM_TOKEN`. */
const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

function secretName(params: Record<string, string>): string {
  const name = params.name ?? '';
  if (!SECRET_NAME.test(name)) {
    const message = 'must be 1 to 64 upper-case letters, digits or "_", starting with a letter (e.g. CRM_TOKEN)';
    throw new ApiError(400, 'invalid_request', `secret name ${JSON.stringify(name.slice(0, 80))} ${message}`, [{ pointer: 'name', message }]);
  }
  return name;
}

export const secretRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: SECRETS,
    summary: 'Names of the workspace secrets plugins can read (never their values)',
    tag: 'secrets',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId }) {
      return { items: (await ctx.store.secrets.names(workspaceId)).map((name) => ({ name })) };
    },
  },
  {
    method: 'put',
    path: `${SECRETS}/:name`,
    summary: 'Set a secret (creates or replaces it)',
    tag: 'secrets',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'SecretPut',
    async handle({ ctx, workspaceId, params, body }) {
      await ctx.store.secrets.put(workspaceId, secretName(params), (body as { value: string }).value);
      return undefined;
    },
  },
  {
    method: 'delete',
    path: `${SECRETS}/:name`,
    summary: 'Delete a secret',
    tag: 'secrets',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params }) {
      const name = secretName(params);
      if (!(await ctx.store.secrets.delete(workspaceId, name))) throw notFound(`secret "${name}"`);
      return undefined;
    },
  },
];
