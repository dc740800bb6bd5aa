import type { AppContext } from '../../app-context.js';
import { WHATSAPP_CLOUD_SECRET_FIELDS } from '../../channels/whatsapp-cloud/index.js';
import type { ChannelConnection, ChannelKind } from '../../store/types.js';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { validateBody } from '../validate-body.js';
import { requireDeployment } from './lookups.js';

const CHANNELS = '/workspaces/:workspaceId/channels';
/** Settings that are written, never shown again. */
const SECRET_SETTINGS: ReadonlySet<string> = new Set(WHATSAPP_CLOUD_SECRET_FIELDS);
export const HIDDEN = '********';

/** Where Meta posts a Cloud API connection's events. */
export function cloudWebhookUrl(ctx: AppContext, connectionId: string): string {
  return `${ctx.publicUrl()}/api/v1/webhooks/whatsapp-cloud/${connectionId}`;
}

/** A connection as the editor sees it: secrets hidden, live status, and what to paste where. */
export async function presentChannel(ctx: AppContext, connection: ChannelConnection) {
  const config: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(connection.config)) config[name] = SECRET_SETTINGS.has(name) && typeof value === 'string' && value !== '' ? HIDDEN : value;
  return {
    id: connection.id,
    deploymentId: connection.deploymentId,
    kind: connection.kind,
    name: connection.name,
    config,
    // Live, also when the connection runs in another server process.
    status: await ctx.channels.liveStatusOf(connection),
    ...(connection.kind === 'whatsapp-cloud' ? { webhookUrl: cloudWebhookUrl(ctx, connection.id) } : {}),
    createdAt: connection.createdAt,
    updatedAt: connection.updatedAt,
  };
}

/** The workspace's connections as the editor lists them (the built-in web channel has no row of its own). */
export async function presentChannels(ctx: AppContext, workspaceId: string) {
  const connections = await ctx.store.channels.list(workspaceId);
  return Promise.all(connections.filter((c) => c.kind === 'whatsapp' || c.kind === 'whatsapp-cloud').map((c) => presentChannel(ctx, c)));
}

async function requireChannel(ctx: AppContext, workspaceId: string, id: string): Promise<ChannelConnection> {
  const connection = await ctx.store.channels.get(workspaceId, id);
  if (connection === undefined) throw notFound(`channel connection "${id}"`);
  return connection;
}

/** The new settings over the old: a secret left out (or sent back as the mask) keeps its value. */
function mergedConfig(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const next = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === HIDDEN && SECRET_SETTINGS.has(name)) continue;
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

export const channelRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: CHANNELS,
    summary: 'Channel connections (WhatsApp numbers) of the workspace with their live status',
    tag: 'channels',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId }) {
      return { items: await presentChannels(ctx, workspaceId) };
    },
  },
  {
    method: 'post',
    path: CHANNELS,
    summary: 'Connects a deployment to WhatsApp (kind whatsapp: QR pairing; whatsapp-cloud: the Business Cloud API) and starts it',
    tag: 'channels',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'ChannelCreate',
    status: 201,
    async handle({ ctx, workspaceId, body }) {
      const input = body as { deploymentId: string; kind: ChannelKind; name: string; config?: Record<string, unknown> };
      await requireDeployment(ctx, workspaceId, input.deploymentId);
      const connection = await ctx.store.channels.create(workspaceId, { deploymentId: input.deploymentId, kind: input.kind, name: input.name, config: input.config ?? {}, status: 'starting' });
      await ctx.channels.start(connection);
      return presentChannel(ctx, (await ctx.store.channels.get(workspaceId, connection.id)) ?? connection);
    },
  },
  {
    method: 'get',
    path: `${CHANNELS}/:channelId`,
    summary: 'One channel connection with its live status (and the QR code while waiting for one)',
    tag: 'channels',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params }) {
      return presentChannel(ctx, await requireChannel(ctx, workspaceId, params.channelId ?? ''));
    },
  },
  {
    method: 'patch',
    path: `${CHANNELS}/:channelId`,
    summary: 'Renames a connection or changes its settings (secrets left out keep their value); a running connection restarts',
    tag: 'channels',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'ChannelUpdate',
    async handle({ ctx, workspaceId, params, body }) {
      const current = await requireChannel(ctx, workspaceId, params.channelId ?? '');
      const patch = body as { name?: string; config?: Record<string, unknown> };
      const config = patch.config === undefined ? current.config : mergedConfig(current.config, patch.config);
      // The merged settings must still be complete and valid for the kind.
      validateBody('ChannelCreate', { deploymentId: current.deploymentId, kind: current.kind, name: patch.name ?? current.name, config });
      const updated = await ctx.store.channels.update(workspaceId, current.id, { ...(patch.name === undefined ? {} : { name: patch.name }), config });
      if (updated === undefined) throw notFound(`channel connection "${current.id}"`);
      if (patch.config !== undefined && (await ctx.channels.liveStatusOf(current)).state !== 'stopped') await ctx.channels.start(updated);
      return presentChannel(ctx, updated);
    },
  },
  {
    method: 'post',
    path: `${CHANNELS}/:channelId/start`,
    summary: 'Starts (or restarts) a connection',
    tag: 'channels',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params }) {
      const connection = await requireChannel(ctx, workspaceId, params.channelId ?? '');
      await requireDeployment(ctx, workspaceId, connection.deploymentId).catch(() => {
        throw new ApiError(409, 'deployment_missing', `the deployment of "${connection.name}" no longer exists; delete this connection and connect another deployment`);
      });
      await ctx.store.channels.update(workspaceId, connection.id, { status: 'starting' });
      await ctx.channels.start(connection);
      return presentChannel(ctx, (await ctx.store.channels.get(workspaceId, connection.id)) ?? connection);
    },
  },
  {
    method: 'post',
    path: `${CHANNELS}/:channelId/stop`,
    summary: 'Stops a connection; it stays stopped across restarts and keeps its WhatsApp login',
    tag: 'channels',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params }) {
      const connection = await requireChannel(ctx, workspaceId, params.channelId ?? '');
      await ctx.channels.stop(connection.id);
      const stopped = await ctx.store.channels.update(workspaceId, connection.id, { status: 'stopped' });
      return presentChannel(ctx, stopped ?? connection);
    },
  },
  {
    method: 'delete',
    path: `${CHANNELS}/:channelId`,
    summary: 'Stops and deletes a connection',
    tag: 'channels',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle({ ctx, workspaceId, params }) {
      const connection = await requireChannel(ctx, workspaceId, params.channelId ?? '');
      await ctx.channels.stop(connection.id);
      await ctx.store.channels.delete(workspaceId, connection.id);
      return undefined;
    },
  },
];
