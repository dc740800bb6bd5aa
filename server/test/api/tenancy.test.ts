import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/http/routes/index.js';
import type { RouteSpec } from '../../src/http/route-spec.js';
import { startTestServer, type TestServer } from '../harness.js';
import { API, addMember, chat, createApiKey, deployFlow, echoFlow, tinyPlugin, wsPath, type Owner } from './fixtures.js';

/**
 * A-06: every route that takes an id, called by workspace A's owner with workspace B's ids, answers
 * 404 without B's data, and B's rows are unchanged afterwards (read from the store directly). A new
 * route with an id parameter fails this test until it gets a case below.
 */

interface BIds {
  flowId: string;
  versionId: string;
  deploymentId: string;
  sessionId: string;
  contactId: string;
  pluginName: string;
  keyId: string;
  secretName: string;
  memberUserId: string;
  channelId: string;
  appId: string;
}

interface TenancyCase {
  /** The path parameters besides workspaceId, from B's ids. */
  params(b: BIds): Record<string, string>;
  body?: (b: BIds) => unknown;
  /** What A gets with its own workspace in the path (default 404). */
  status?: number;
  /** Why a route answers something other than 404. */
  reason?: string;
}

const CASES: Record<string, TenancyCase> = {
  'patch /workspaces/:workspaceId/members/:userId': { params: (b) => ({ userId: b.memberUserId }), body: () => ({ role: 'owner' }) },
  'delete /workspaces/:workspaceId/members/:userId': { params: (b) => ({ userId: b.memberUserId }) },
  'get /workspaces/:workspaceId/flows/:flowId': { params: (b) => ({ flowId: b.flowId }) },
  'put /workspaces/:workspaceId/flows/:flowId': { params: (b) => ({ flowId: b.flowId }), body: () => ({ name: 'hijacked' }) },
  'delete /workspaces/:workspaceId/flows/:flowId': { params: (b) => ({ flowId: b.flowId }) },
  'get /workspaces/:workspaceId/flows/:flowId/export': { params: (b) => ({ flowId: b.flowId }) },
  'post /workspaces/:workspaceId/flows/:flowId/versions': { params: (b) => ({ flowId: b.flowId }), body: () => ({ note: 'hijacked' }) },
  'get /workspaces/:workspaceId/flows/:flowId/versions': { params: (b) => ({ flowId: b.flowId }) },
  'get /workspaces/:workspaceId/versions/:versionId': { params: (b) => ({ versionId: b.versionId }) },
  'get /workspaces/:workspaceId/deployments/:deploymentId': { params: (b) => ({ deploymentId: b.deploymentId }) },
  'delete /workspaces/:workspaceId/deployments/:deploymentId': { params: (b) => ({ deploymentId: b.deploymentId }) },
  'put /workspaces/:workspaceId/deployments/:deploymentId/version': { params: (b) => ({ deploymentId: b.deploymentId }), body: (b) => ({ versionId: b.versionId }) },
  'post /workspaces/:workspaceId/deployments/:deploymentId/rollback': { params: (b) => ({ deploymentId: b.deploymentId }) },
  'patch /workspaces/:workspaceId/plugins/:name': { params: (b) => ({ name: b.pluginName }), body: () => ({ enabled: false }) },
  'delete /workspaces/:workspaceId/plugins/:name': { params: (b) => ({ name: b.pluginName }) },
  'get /workspaces/:workspaceId/sessions/:sessionId': { params: (b) => ({ sessionId: b.sessionId }) },
  'get /workspaces/:workspaceId/sessions/:sessionId/transcript': { params: (b) => ({ sessionId: b.sessionId }) },
  'get /workspaces/:workspaceId/sessions/:sessionId/trace': { params: (b) => ({ sessionId: b.sessionId }) },
  'get /workspaces/:workspaceId/contacts/:contactId': { params: (b) => ({ contactId: b.contactId }) },
  'delete /workspaces/:workspaceId/api-keys/:keyId': { params: (b) => ({ keyId: b.keyId }) },
  'put /workspaces/:workspaceId/secrets/:name': {
    params: (b) => ({ name: b.secretName }),
    body: () => ({ value: 'written by A' }),
    status: 204,
    reason: "secrets are addressed by name inside the path's workspace and PUT creates: A gets its own secret of that name, B's stays as it was",
  },
  'delete /workspaces/:workspaceId/secrets/:name': { params: (b) => ({ name: b.secretName }) },
  'post /workspaces/:workspaceId/sessions/:sessionId/handoff': { params: (b) => ({ sessionId: b.sessionId }) },
  'delete /workspaces/:workspaceId/sessions/:sessionId/handoff': { params: (b) => ({ sessionId: b.sessionId }) },
  'post /workspaces/:workspaceId/sessions/:sessionId/messages': { params: (b) => ({ sessionId: b.sessionId }), body: () => ({ text: 'hijacked' }) },
  'get /workspaces/:workspaceId/channels/:channelId': { params: (b) => ({ channelId: b.channelId }) },
  'patch /workspaces/:workspaceId/channels/:channelId': { params: (b) => ({ channelId: b.channelId }), body: () => ({ name: 'hijacked' }) },
  'post /workspaces/:workspaceId/channels/:channelId/start': { params: (b) => ({ channelId: b.channelId }) },
  'post /workspaces/:workspaceId/channels/:channelId/stop': { params: (b) => ({ channelId: b.channelId }) },
  'delete /workspaces/:workspaceId/channels/:channelId': { params: (b) => ({ channelId: b.channelId }) },
  'get /workspaces/:workspaceId/apps/:appId': { params: (b) => ({ appId: b.appId }) },
  'post /workspaces/:workspaceId/apps/:appId/live': { params: (b) => ({ appId: b.appId }) },
  'get /webhooks/whatsapp-cloud/:connectionId': {
    params: (b) => ({ connectionId: b.channelId }),
    status: 403,
    reason: "Meta's public webhook: the connection id is its address, and only the connection's verify token opens the handshake",
  },
  'post /webhooks/whatsapp-cloud/:connectionId': {
    params: (b) => ({ connectionId: b.channelId }),
    body: () => ({ object: 'whatsapp_business_account', entry: [] }),
    status: 401,
    reason: "Meta's public webhook: only a body signed with the connection's App Secret is accepted",
  },
};

/** Words only B's data contains: none may appear in an answer to A. */
const B_MARKERS = ['Beta private flow', 'beta-secret-value', 'beta-contact', 'hello beta', 'beta plugin', 'Beta key'];

const routeKey = (route: RouteSpec) => `${route.method} ${route.path}`;
const idParams = (route: RouteSpec) => [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string).filter((name) => name !== 'workspaceId');

function fill(path: string, params: Record<string, string>): string {
  return `${API}${path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  })}`;
}

let server: TestServer;
let a: Owner;
let b: Owner;
let aKey: string;
let ids: BIds;

/** Everything of B's that a route could touch, read from the store. */
async function snapshotB() {
  const s = server.ctx.store;
  const ws = b.workspaceId;
  const flows = await s.flows.list(ws, { limit: 200 });
  return {
    workspace: await s.workspaces.byId(ws),
    members: await s.members.list(ws),
    flows: await Promise.all(flows.items.map((f) => s.flows.get(ws, f.id))),
    versions: await s.versions.list(ws, ids.flowId),
    version: await s.versions.get(ws, ids.versionId),
    deployments: await s.deployments.list(ws),
    session: await s.sessions.get(ws, ids.sessionId),
    contacts: await s.contacts.list(ws, { limit: 200 }),
    transcript: await s.transcripts.list(ws, ids.sessionId),
    trace: await s.traces.list(ws, ids.sessionId),
    plugins: await s.plugins.list(ws),
    pluginCode: (await s.plugins.get(ws, ids.pluginName))?.code,
    keys: await s.apiKeys.list(ws),
    secretNames: await s.secrets.names(ws),
    secret: await s.secrets.get(ws, ids.secretName),
    ledger: await s.ledger.entries(ws),
    balance: await s.ledger.balance(ws),
    channels: await s.channels.list(ws),
    apps: await s.apps.list(ws),
  };
}

beforeAll(async () => {
  server = await startTestServer();
  [a, b] = await Promise.all([server.signUp('Alpha'), server.signUp('Beta')]);
  aKey = (await createApiKey(server, a, ['admin'], 'owner')).key;
  const member = await addMember(server, b, 'viewer', 'Beta member');
  const { version, deployment } = await deployFlow(server, b, echoFlow('beta-flow', 'Beta private flow'));
  const turn = await chat(server, b.workspaceId, deployment.id, 'beta-contact', 'hello beta');
  const plugin = tinyPlugin('beta-plugin');
  plugin.manifest.description = 'beta plugin';
  const uploaded = await server.request('POST', wsPath(b.workspaceId, '/plugins'), { token: b.token, body: plugin });
  if (uploaded.status !== 201) throw new Error(`plugin upload failed: ${JSON.stringify(uploaded.body)}`);
  const key = await server.request('POST', wsPath(b.workspaceId, '/api-keys'), { token: b.token, body: { name: 'Beta key', scopes: ['chat'] } });
  await server.request('PUT', wsPath(b.workspaceId, '/secrets/BETA_SECRET'), { token: b.token, body: { value: 'beta-secret-value' } });
  await server.ctx.store.ledger.adjust(b.workspaceId, 'tenancy:credits', 'bonus', 50);
  ids = {
    flowId: 'beta-flow',
    versionId: version.id,
    deploymentId: deployment.id,
    sessionId: turn.sessionId,
    contactId: turn.contactId,
    pluginName: 'beta-plugin',
    keyId: key.body.apiKey.id,
    secretName: 'BETA_SECRET',
    memberUserId: member.userId,
    channelId: (
      await server.ctx.store.channels.create(b.workspaceId, {
        deploymentId: deployment.id,
        kind: 'whatsapp-cloud',
        name: 'Beta line',
        config: { phoneNumberId: '1234567890', verifyToken: 'beta-verify-token', appSecret: 'beta-app-secret', accessToken: 'beta-access-token' },
        status: 'stopped',
      })
    ).id,
    appId: (await server.ctx.store.apps.create(b.workspaceId, { name: 'beta-app', target: 'local', key: 'beta-app', files: [], status: 'live' })).deployment.id,
  };
});
afterAll(async () => server?.stop());

describe('cross-workspace ids (A-06)', () => {
  it('has a tenancy case for every route with an id parameter, and no case for a route that is gone', () => {
    const withIds = apiRoutes().filter((route) => idParams(route).length > 0).map(routeKey);
    expect(withIds.filter((key) => CASES[key] === undefined), 'routes with an id parameter but no tenancy case').toEqual([]);
    expect(Object.keys(CASES).filter((key) => !withIds.includes(key)), 'tenancy cases of routes that no longer exist').toEqual([]);
    for (const [key, c] of Object.entries(CASES)) if (c.status !== undefined && c.status !== 404) expect(c.reason, key).toEqual(expect.any(String));
  });

  it("answers 404 to A's owner for B's ids in A's workspace, without B's data, and B is unchanged", async () => {
    const before = await snapshotB();
    expect(before.session?.record).toBeDefined();
    expect(before.secret).toBe('beta-secret-value');
    // Routes that answer something else (they write inside A) go last, so they cannot turn a later 404 into a hit.
    const routes = apiRoutes()
      .filter((r) => idParams(r).length > 0)
      .sort((x, y) => Number(CASES[routeKey(x)]?.status !== undefined) - Number(CASES[routeKey(y)]?.status !== undefined));
    for (const route of routes) {
      const key = routeKey(route);
      const c = CASES[key] as TenancyCase;
      const path = fill(route.path, { workspaceId: a.workspaceId, ...c.params(ids) });
      const body = c.body?.(ids);
      const res = await server.request(route.method.toUpperCase(), path, { token: a.token, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${key} as A in A's workspace`).toBe(c.status ?? 404);
      const text = JSON.stringify(res.body ?? '');
      for (const marker of B_MARKERS) expect(text, `${key} leaked "${marker}"`).not.toContain(marker);
      if ((c.status ?? 404) === 404) expect(res.body.error, key).toBe('not_found');
    }
    expect(await snapshotB()).toEqual(before);
    // The one route that answered something else did so inside A.
    expect(await server.ctx.store.secrets.get(a.workspaceId, ids.secretName)).toBe('written by A');
  });

  it("answers 404 to A's owner and A's API key on every workspace route with B's workspace id, and B is unchanged", async () => {
    const before = await snapshotB();
    const routes = apiRoutes().filter((route) => route.access.kind === 'workspace');
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const key = routeKey(route);
      const path = fill(route.path, { workspaceId: b.workspaceId, ...(CASES[key]?.params(ids) ?? {}) });
      const body = CASES[key]?.body?.(ids);
      for (const token of [a.token, aKey]) {
        const res = await server.request(route.method.toUpperCase(), path, { token, ...(body === undefined ? {} : { body }) });
        expect(res.status, `${key} as A in B's workspace`).toBe(404);
        expect(res.body.message, key).toBe('this workspace was not found, or you are not a member of it');
      }
    }
    expect(await snapshotB()).toEqual(before);
  });

  it("answers 404 for B's ids inside A's request bodies", async () => {
    const before = await snapshotB();
    const { deployment } = await deployFlow(server, a, echoFlow('alpha-flow', 'Alpha flow'));
    const deployB = await server.request('POST', wsPath(a.workspaceId, '/deployments'), { token: a.token, body: { flowId: ids.flowId, key: 'stolen' } });
    expect(deployB.status).toBe(404);
    const withBVersion = await server.request('POST', wsPath(a.workspaceId, '/deployments'), { token: a.token, body: { flowId: 'alpha-flow', key: 'stolen-version', versionId: ids.versionId } });
    expect(withBVersion.status).toBe(404);
    const pointAtB = await server.request('PUT', wsPath(a.workspaceId, `/deployments/${deployment.id}/version`), { token: a.token, body: { versionId: ids.versionId } });
    expect(pointAtB.status).toBe(404);
    const filtered = await server.request('GET', `${wsPath(a.workspaceId, '/sessions')}?deploymentId=${ids.deploymentId}&contactId=${ids.contactId}`, { token: a.token });
    expect(filtered.body.items).toEqual([]);
    const deployments = await server.request('GET', `${wsPath(a.workspaceId, '/deployments')}?flowId=${ids.flowId}`, { token: a.token });
    expect(deployments.body.items).toEqual([]);
    const topUpB = await server.request('POST', `${API}/workspaces/${b.workspaceId}/credits/top-ups`, { token: a.token, body: { amount: 1000, idempotencyKey: 'steal' } });
    expect(topUpB.status).toBe(404);
    expect(await snapshotB()).toEqual(before);
  });
});
