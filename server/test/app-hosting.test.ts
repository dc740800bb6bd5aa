import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CapabilityContext } from '@nexusflow/engine';
import { testCapabilityContext } from '@nexusflow/engine/testing';
import { createDeployCapability } from '@nexusflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { createServerHosting } from '../src/hosting/hosting-target.js';
import { fileSizes } from '../src/hosting/local-target.js';
import { createPlatformApi } from '../src/hosting/platform-api.js';
import { createPlatformTarget } from '../src/hosting/platform-target.js';
import { wsPath } from './api/fixtures.js';
import { startFakePlatform, type FakePlatform } from './fake-platform.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * The hosting targets below the flow: re-runs of a publish (the step's idempotency key) across a
 * "restart" (a fresh capability, so no in-process memory helps), an interrupted local write, an
 * ambiguous platform failure, a refused token, a service that never comes up, a server without a
 * platform, the configuration, and the apps API's tenancy.
 */

let server: TestServer;
let platform: FakePlatform;
let owner: Awaited<ReturnType<TestServer['signUp']>>;
let stranger: Awaited<ReturnType<TestServer['signUp']>>;
let steps = 0;

const files = (marker: string) => [
  { path: 'index.html', content: `<h1>${marker}</h1>` },
  { path: 'css/site.css', content: 'body { margin: 0 }' },
];

/** A step's capability context; the same `step` number is a re-run of the same step. */
function stepOf(step: number, overrides: Partial<CapabilityContext> = {}): CapabilityContext {
  // The contact id is a phone number: it must not leave the server in an idempotency key.
  return testCapabilityContext({ workspaceId: owner.workspaceId, sessionKey: `${owner.workspaceId}:+15550001111`, nodeId: 'publish', step, ...overrides });
}

/** `deploy.publish` as a freshly started process would run it: a new capability over the real store. */
function publishAfterRestart(request: unknown, context: CapabilityContext, config = server.ctx.config) {
  const hosting = createServerHosting({ apps: server.ctx.store.apps, config, publicUrl: () => server.url });
  return createDeployCapability({ target: hosting })('publish', [request], context) as Promise<{ url: string; status: string; version: number; id: string }>;
}

beforeAll(async () => {
  platform = await startFakePlatform({ pollsUntilLive: 1 });
  server = await startTestServer({ DEPLOY_PLATFORM_URL: platform.url, DEPLOY_PLATFORM_TOKEN: platform.token, DEPLOY_PLATFORM_POLL_MS: '10' });
  [owner, stranger] = await Promise.all([server.signUp('Host'), server.signUp('Stranger')]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await platform?.close();
});

describe('local target', () => {
  it('a re-run of a publish finds its deployment: one version, one folder, the same answer', async () => {
    const context = stepOf((steps += 1));
    const first = await publishAfterRestart({ name: 'notes', files: files('Notes') }, context);
    const again = await publishAfterRestart({ name: 'notes', files: files('Notes') }, { ...context });
    expect(first).toEqual({ url: `${server.url}/apps/${owner.workspaceId}/notes/`, status: 'live', version: 1, id: expect.any(String) });
    expect(again).toEqual(first);
    expect(await server.ctx.store.apps.list(owner.workspaceId, { name: 'notes' })).toHaveLength(1);
    expect(await readdir(path.join(server.dataDir, 'apps', owner.workspaceId, 'notes'))).toEqual(['v1']);
    expect(await (await fetch(first.url)).text()).toBe('<h1>Notes</h1>');
  });

  it('a write a crash interrupted is redone whole: the leftover is removed and nothing half-written is served', async () => {
    const context = stepOf((steps += 1));
    const key = `${context.idempotencyKey}/deploy.publish/0`;
    // What a crash mid-write leaves: the recorded deployment and a partial temporary folder.
    const { deployment } = await server.ctx.store.apps.create(owner.workspaceId, { name: 'journal', target: 'local', key, files: fileSizes(files('Journal')), status: 'uploading' });
    const app = path.join(server.dataDir, 'apps', owner.workspaceId, 'journal');
    await mkdir(path.join(app, '.tmp-v1-dead'), { recursive: true });
    await writeFile(path.join(app, '.tmp-v1-dead', 'index.html'), '<h1>Jour');
    // Not live yet: the address answers 404, never the partial file.
    expect((await fetch(`${server.url}/apps/${owner.workspaceId}/journal/`)).status).toBe(404);

    const result = await publishAfterRestart({ name: 'journal', files: files('Journal') }, context);
    expect(result).toMatchObject({ id: deployment.id, version: 1, status: 'live' });
    expect(await readdir(app)).toEqual(['v1']);
    expect(await (await fetch(result.url)).text()).toBe('<h1>Journal</h1>');
  });

  it('making a version live whose files are gone is refused', async () => {
    const first = await publishAfterRestart({ name: 'wiki', files: files('Wiki 1') }, stepOf((steps += 1)));
    await publishAfterRestart({ name: 'wiki', files: files('Wiki 2') }, stepOf((steps += 1)));
    await rm(path.join(server.dataDir, 'apps', owner.workspaceId, 'wiki', 'v1'), { recursive: true });
    const refused = await server.request('POST', wsPath(owner.workspaceId, `/apps/${first.id}/live`), { token: owner.token });
    expect([refused.status, refused.body.error]).toEqual([409, 'app_files_missing']);
    expect(refused.body.message).toBe('the files of version 1 of "wiki" are no longer on this server; publish it again');
    expect((await server.ctx.store.apps.live(owner.workspaceId, 'wiki'))?.version).toBe(2);
  });
});

describe('platform target', () => {
  it('the connection drops right after the platform made the service; the re-run gets that same service', async () => {
    const context = stepOf((steps += 1));
    const servicesBefore = platform.services.size;
    platform.cutAfterNextCreate();
    const failed = await publishAfterRestart({ name: 'shop', files: files('Shop'), target: 'platform' }, context).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'deploy_failed', message: expect.stringContaining('creating the service: could not reach the hosting platform') });
    const [recorded] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'shop' });
    expect(recorded).toMatchObject({ status: 'failed', detail: { failedStep: 'service', database: { id: expect.any(String) } } });
    expect(recorded?.detail.serviceId).toBeUndefined();
    expect(platform.services.size).toBe(servicesBefore + 1);

    const result = await publishAfterRestart({ name: 'shop', files: files('Shop'), target: 'platform' }, { ...context });
    expect(result).toMatchObject({ status: 'live', version: 1, id: recorded!.id });
    expect(platform.services.size).toBe(servicesBefore + 1);
    const creations = platform.requests.filter((r) => r.method === 'POST' && r.path === '/v1/services').slice(-2);
    expect(creations[0]?.idempotencyKey).toMatch(/^nexusflow-[0-9a-f]{48}$/);
    expect(creations[1]?.idempotencyKey).toBe(creations[0]?.idempotencyKey);
    expect(JSON.stringify(platform.requests)).not.toContain('15550001111');
    const live = await server.ctx.store.apps.get(owner.workspaceId, recorded!.id);
    expect(live).toMatchObject({ status: 'live', live: true, url: result.url });
    expect(live?.detail.reason).toBeUndefined();
    expect(await (await fetch(result.url)).text()).toBe('<h1>Shop</h1>');

    // A re-run after it went live asks the platform nothing.
    const calls = platform.requests.length;
    expect(await publishAfterRestart({ name: 'shop', files: files('Shop'), target: 'platform' }, { ...context })).toEqual(result);
    expect(platform.requests.length).toBe(calls);
  });

  it('a refused token fails the publish with the setting to check', async () => {
    const config = { ...server.ctx.config, deployPlatform: { ...server.ctx.config.deployPlatform!, token: 'not-the-token' } };
    const failed = await publishAfterRestart({ name: 'locked', files: files('Locked'), target: 'platform' }, stepOf((steps += 1)), config).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: 'deploy_failed',
      message: 'deploy.publish: version 1 of "locked" did not go live on the hosting platform: provisioning the database: the hosting platform refused the token (HTTP 401); check DEPLOY_PLATFORM_TOKEN',
    });
    expect(JSON.stringify(failed)).not.toContain('not-the-token');
  });

  it('a service still starting when the time is up is recorded failed with the last status', async () => {
    const slow = await startFakePlatform({ pollsUntilLive: 1_000_000 });
    try {
      let clock = 0;
      const target = createPlatformTarget({
        apps: server.ctx.store.apps,
        api: createPlatformApi({ url: slow.url, token: slow.token }),
        pollIntervalMs: 1,
        timeoutMs: 5_000,
        // Each reading of the clock is a second later: the deadline comes after a few polls.
        now: () => (clock += 1_000),
      });
      const context = stepOf((steps += 1));
      const failed = await target.publish(context, { name: 'sleepy', files: files('Sleepy'), target: 'platform', key: `${context.idempotencyKey}/deploy.publish/0` }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: 'deploy_failed', message: expect.stringContaining("the service did not become live within 5 s (last status: starting); see the platform's logs") });
      const [recorded] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'sleepy' });
      expect(recorded).toMatchObject({ status: 'failed', live: false, detail: { failedStep: 'timeout', platformStatus: 'starting', serviceId: expect.any(String) } });
    } finally {
      await slow.close();
    }
  });

  it('a server without a hosting platform refuses target platform, naming DEPLOY_PLATFORM_URL', async () => {
    const { deployPlatform: _none, ...withoutPlatform } = server.ctx.config;
    const failed = await publishAfterRestart({ name: 'nowhere', files: files('x'), target: 'platform' }, stepOf((steps += 1)), withoutPlatform).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: 'deploy_not_configured',
      message: 'deploy.publish: target "platform" needs a hosting platform and this server has none; its administrator sets DEPLOY_PLATFORM_URL and DEPLOY_PLATFORM_TOKEN, or publish with target "local"',
    });
    expect(await server.ctx.store.apps.list(owner.workspaceId, { name: 'nowhere' })).toEqual([]);
  });
});

describe('apps API', () => {
  it('lists newest first, filters by name, and refuses a bad name', async () => {
    const all = await server.request('GET', wsPath(owner.workspaceId, '/apps'), { token: owner.token });
    expect(all.status).toBe(200);
    const times = all.body.items.map((a: { createdAt: number }) => a.createdAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const wiki = await server.request('GET', wsPath(owner.workspaceId, '/apps?name=wiki'), { token: owner.token });
    expect(wiki.body.items.map((a: { name: string; version: number }) => `${a.name}@${a.version}`)).toEqual(['wiki@2', 'wiki@1']);
    const bad = await server.request('GET', wsPath(owner.workspaceId, '/apps?name=Not%20A%20Name'), { token: owner.token });
    expect([bad.status, bad.body.details]).toEqual([400, [{ pointer: 'name', message: 'must be an app name: lowercase letters, digits and inner dashes' }]]);
  });

  it("another workspace's app ids answer 404 and change nothing", async () => {
    const [notes] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'notes' });
    const wiki = await server.ctx.store.apps.list(owner.workspaceId, { name: 'wiki' });
    for (const [method, rest] of [
      ['GET', `/apps/${notes!.id}`],
      ['POST', `/apps/${wiki[1]!.id}/live`],
    ] as const) {
      const res = await server.request(method, wsPath(stranger.workspaceId, rest), { token: stranger.token });
      expect([method, res.status, res.body.error]).toEqual([method, 404, 'not_found']);
      expect(JSON.stringify(res.body)).not.toContain('wiki');
      // Their own token on the owner's workspace path is no better.
      expect((await server.request(method, wsPath(owner.workspaceId, rest), { token: stranger.token })).status).toBe(404);
    }
    expect((await server.ctx.store.apps.live(owner.workspaceId, 'wiki'))?.version).toBe(2);
    expect((await server.request('GET', wsPath(stranger.workspaceId, '/apps'), { token: stranger.token })).body).toEqual({ items: [] });
  });
});

describe('configuration', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/nexusflow-config-test' };

  it('reads the platform settings, with defaults for polling and the time limit', () => {
    expect(loadConfig({ ...base, DEPLOY_PLATFORM_URL: 'https://api.hosting.example/', DEPLOY_PLATFORM_TOKEN: 'tok' }).deployPlatform).toEqual({
      url: 'https://api.hosting.example',
      token: 'tok',
      pollIntervalMs: 2000,
      timeoutMs: 50_000,
    });
    expect(loadConfig(base).deployPlatform).toBeUndefined();
  });

  it('says which half is missing, and bounds the time limit by the deploy step', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ DEPLOY_PLATFORM_URL: 'https://api.hosting.example' })).toEqual(['DEPLOY_PLATFORM_URL is set but DEPLOY_PLATFORM_TOKEN is not; set both to publish apps with target "platform"']);
    expect(problems({ DEPLOY_PLATFORM_TOKEN: 'tok' })).toEqual(['DEPLOY_PLATFORM_TOKEN is set but DEPLOY_PLATFORM_URL is not; set both to publish apps with target "platform"']);
    expect(problems({ DEPLOY_PLATFORM_URL: 'ftp://x', DEPLOY_PLATFORM_TOKEN: 'tok' })).toEqual(['DEPLOY_PLATFORM_URL must be a URL starting with http:// or https://; got "ftp://x"']);
    expect(problems({ DEPLOY_PLATFORM_URL: 'https://x', DEPLOY_PLATFORM_TOKEN: 'tok', DEPLOY_PLATFORM_TIMEOUT_MS: '90000' })).toEqual([
      'DEPLOY_PLATFORM_TIMEOUT_MS must be a whole number from 1000 to 55000; got "90000"',
    ]);
  });
});
