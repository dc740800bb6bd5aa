import { stat } from 'node:fs/promises';
import type { AppContext } from '../../app-context.js';
import { principalCan, type Principal } from '../../auth/index.js';
import { isAppName, versionFolder } from '../../hosting/app-paths.js';
import { createPlatformApi, PlatformError } from '../../hosting/platform-api.js';
import type { PlatformDetail } from '../../hosting/platform-target.js';
import type { AppDeployment } from '../../store/types.js';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { HIDDEN } from './channels.js';
import { invalidParameter, queryInteger, queryString } from './query.js';

const APPS = '/workspaces/:workspaceId/apps';
/** Credential fields only editors see. */
const SECRET_CREDENTIALS = new Set(['password', 'url']);
/** Statuses a version cannot be switched to: it never finished going up. */
const NOT_READY = new Set(['pending', 'uploading', 'starting', 'failed']);

/** A deployment as the API shows it: the database password and URL hidden from viewers. */
export function presentApp(deployment: AppDeployment, principal: Principal | undefined): AppDeployment {
  const database = (deployment.detail as PlatformDetail).database;
  const mayChange = principal !== undefined && principalCan(principal, { role: 'editor', scope: 'write' }).ok;
  if (database === undefined || mayChange) return deployment;
  const credentials = Object.fromEntries(Object.entries(database.credentials ?? {}).map(([k, v]) => [k, SECRET_CREDENTIALS.has(k) ? HIDDEN : v]));
  return { ...deployment, detail: { ...deployment.detail, database: { ...database, credentials } } };
}

async function requireApp(ctx: AppContext, workspaceId: string, id: string): Promise<AppDeployment> {
  const deployment = await ctx.store.apps.get(workspaceId, id);
  if (deployment === undefined) throw notFound(`app deployment "${id}"`);
  return deployment;
}

/** Refuses to make live a version that cannot answer: unfinished, failed, files gone, service down. */
async function checkServable(ctx: AppContext, deployment: AppDeployment): Promise<void> {
  const which = `version ${deployment.version} of "${deployment.name}"`;
  if (NOT_READY.has(deployment.status)) {
    throw new ApiError(409, 'app_not_ready', `${which} is ${deployment.status}, not a finished deployment; only a version that went live can be made live again`);
  }
  if (deployment.target === 'local') {
    const folder = versionFolder(ctx.config.dataDir, deployment.workspaceId, deployment.name, deployment.version);
    if (!(await stat(folder).then((s) => s.isDirectory(), () => false))) {
      throw new ApiError(409, 'app_files_missing', `the files of ${which} are no longer on this server; publish it again`);
    }
    return;
  }
  const serviceId = (deployment.detail as PlatformDetail).serviceId;
  const platform = ctx.config.deployPlatform;
  if (platform === undefined) throw new ApiError(409, 'deploy_not_configured', `${which} runs on a hosting platform and this server has none configured (DEPLOY_PLATFORM_URL)`);
  if (serviceId === undefined) throw new ApiError(409, 'app_not_ready', `${which} has no service on the hosting platform`);
  try {
    const state = await createPlatformApi(platform).serviceState(serviceId);
    if (state.status !== 'live') throw new ApiError(409, 'app_not_running', `the hosting platform says the service of ${which} is ${state.status}, not live${state.error === undefined ? '' : `: ${state.error}`}`);
  } catch (error) {
    if (error instanceof PlatformError) throw new ApiError(502, 'platform_unavailable', `could not check ${which} on the hosting platform: ${error.message}`);
    throw error;
  }
}

export const appRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: APPS,
    summary: 'Deployments of generated apps (core/deploy), newest first; ?name= for one app',
    tag: 'apps',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, req, principal }) {
      const name = queryString(req, 'name');
      if (name !== undefined && !isAppName(name)) throw invalidParameter('name', 'must be an app name: lowercase letters, digits and inner dashes');
      const limit = queryInteger(req, 'limit', { min: 1, max: 500 });
      const items = await ctx.store.apps.list(workspaceId, { ...(name === undefined ? {} : { name }), ...(limit === undefined ? {} : { limit }) });
      return { items: items.map((d) => presentApp(d, principal)) };
    },
  },
  {
    method: 'get',
    path: `${APPS}/:appId`,
    summary: 'One deployment of a generated app: version, status, live URL, files and target facts',
    tag: 'apps',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params, principal }) {
      return presentApp(await requireApp(ctx, workspaceId, params.appId ?? ''), principal);
    },
  },
  {
    method: 'post',
    path: `${APPS}/:appId/live`,
    summary: 'Make this version of the app the live one (roll back or forward); locally hosted apps switch what they serve at once',
    tag: 'apps',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    async handle({ ctx, workspaceId, params, principal }) {
      const deployment = await requireApp(ctx, workspaceId, params.appId ?? '');
      if (!deployment.live) await checkServable(ctx, deployment);
      const live = deployment.live ? deployment : await ctx.store.apps.setLive(workspaceId, deployment.id);
      if (live === undefined) throw notFound(`app deployment "${deployment.id}"`);
      return presentApp(live, principal);
    },
  },
];
