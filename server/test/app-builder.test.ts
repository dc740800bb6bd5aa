import { request as httpRequest } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '../src/store/types.js';
import { addMember, wsPath } from './api/fixtures.js';
import { startFakePlatform, type FakePlatform } from './fake-platform.js';
import { deployFlow, startTestServer, type TestServer } from './harness.js';

/**
 * examples/flows/app-builder.flow.json end to end on a real server: the model (the local fake LLM
 * wire-protocol server) answers the app's files as JSON, core/deploy publishes them through the
 * local target (served by this server) or the platform target (the fake hosting platform), and
 * the reply carries a URL that answers the page. Then versions, rollback through the API,
 * failures, and paths that try to leave the app's folder.
 */

let server: TestServer;
let fake: FakeLlmServer;
let platform: FakePlatform;
let owner: Awaited<ReturnType<TestServer['signUp']>>;
let viewer: Awaited<ReturnType<TestServer['signUp']>>;
let localBot: Deployment;
let platformBot: Deployment;
let contacts = 0;

async function exampleFlow(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(new URL('../../examples/flows/app-builder.flow.json', import.meta.url), 'utf8')) as Record<string, any>;
}

/** The app files the model answers with; `marker` tells the versions apart. */
function appAnswer(name: string, marker: string) {
  return JSON.stringify({
    name,
    summary: `I built ${name}.`,
    files: [
      { path: 'index.html', content: `<!doctype html><html><head><link rel="stylesheet" href="style.css"></head><body><h1>${marker}</h1><script src="js/app.js"></script></body></html>` },
      { path: 'style.css', content: 'h1 { color: teal; }' },
      { path: 'js/app.js', content: `document.title = ${JSON.stringify(marker)};` },
      { path: 'assets/logo.svg', content: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
    ],
  });
}

/** One conversation turn of a fresh (or the given) contact; answers the bot's reply texts. */
async function turn(deployment: Deployment, text: string, contact = `builder-${(contacts += 1)}`) {
  const result = await server.ctx.chat.send(deployment, 'api', contact, { text });
  return result.replies.map((r) => r.text);
}

const liveLine = (texts: string[]) => texts.find((t) => t.includes('It is live at'));
const urlIn = (line: string | undefined) => /live at (\S+) \(version/.exec(line ?? '')?.[1];

/** A GET with the path exactly as written: no URL normalisation of `..` on the way. */
function rawGet(rawPath: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  fake = await startFakeLlmServer();
  platform = await startFakePlatform({ pollsUntilLive: 2 });
  server = await startTestServer({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.openaiBaseURL,
    DEPLOY_PLATFORM_URL: platform.url,
    DEPLOY_PLATFORM_TOKEN: platform.token,
    DEPLOY_PLATFORM_POLL_MS: '10',
  });
  owner = await server.signUp('Builder');
  viewer = await addMember(server, owner, 'viewer', 'Watcher');
  await server.ctx.store.ledger.adjust(owner.workspaceId, 'app-builder-credits', 'bonus', 1_000_000);
  const flow = await exampleFlow();
  localBot = await deployFlow(server, owner.workspaceId, flow);
  const onPlatform = structuredClone(flow);
  onPlatform.id = 'app-builder-platform';
  onPlatform.nodes.find((n: { id: string }) => n.id === 'publish').config.target = 'platform';
  platformBot = await deployFlow(server, owner.workspaceId, onPlatform);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await fake?.close();
  await platform?.close();
});

describe('app builder, local target', () => {
  it('publishes what the model wrote; the reply carries the live URL and the page answers there', async () => {
    fake.script(appAnswer('bakery', 'Fresh bread v1'));
    const texts = await turn(localBot, 'A landing page for my bakery');
    const line = liveLine(texts);
    expect(line).toBe(`I built bakery. It is live at ${server.url}/apps/${owner.workspaceId}/bakery/ (version 1).`);
    // The model was asked for JSON matching the flow's schema.
    expect(fake.requests.at(-1)?.body.response_format).toEqual({ type: 'json_object' });

    const page = await fetch(urlIn(line)!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^sandbox allow-scripts allow-forms/);
    expect(page.headers.get('content-security-policy')).not.toContain('allow-same-origin');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<h1>Fresh bread v1</h1>');
    const css = await fetch(`${urlIn(line)}style.css`);
    expect([css.status, css.headers.get('content-type'), await css.text()]).toEqual([200, 'text/css; charset=utf-8', 'h1 { color: teal; }']);
    const js = await fetch(`${urlIn(line)}js/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^(text|application)\/javascript; charset=utf-8$/);
    expect((await fetch(`${urlIn(line)}assets/logo.svg`)).headers.get('content-type')).toBe('image/svg+xml');

    const [recorded] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'bakery' });
    expect(recorded).toMatchObject({ name: 'bakery', version: 1, target: 'local', status: 'live', live: true, url: urlIn(line) });
    expect(recorded?.files).toEqual([
      { path: 'index.html', bytes: expect.any(Number) },
      { path: 'style.css', bytes: 19 },
      { path: 'js/app.js', bytes: Buffer.byteLength('document.title = "Fresh bread v1";') },
      { path: 'assets/logo.svg', bytes: 41 },
    ]);
    expect(recorded?.key).toMatch(/\/publish\/deploy\.publish\/0$/);
    // The version sits in its own folder; nothing half-written is left next to it.
    expect(await readdir(path.join(server.dataDir, 'apps', owner.workspaceId, 'bakery'))).toEqual(['v1']);
  });

  it('a change is version 2; the API rolls back to version 1 (served at once) and forward again', async () => {
    const contact = 'rollback-contact';
    fake.script(appAnswer('florist', 'Roses v1'));
    expect(liveLine(await turn(localBot, 'A page for my flower shop', contact))).toContain('(version 1)');
    fake.script(appAnswer('florist', 'Tulips v2'));
    const second = liveLine(await turn(localBot, 'Make it about tulips', contact));
    expect(second).toContain('(version 2)');
    // The model saw the first version: the flow keeps the conversation.
    expect(JSON.stringify(fake.requests.at(-1)?.body.messages)).toContain('Roses v1');
    const url = urlIn(second)!;
    expect(await (await fetch(url)).text()).toContain('Tulips v2');

    const list = await server.request('GET', wsPath(owner.workspaceId, '/apps?name=florist'), { token: viewer.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { version: number; status: string; live: boolean }) => [a.version, a.status, a.live])).toEqual([
      [2, 'live', true],
      [1, 'superseded', false],
    ]);
    const v1 = list.body.items[1];
    const v2 = list.body.items[0];

    // Viewers read; only editors switch versions.
    expect((await server.request('POST', wsPath(owner.workspaceId, `/apps/${v1.id}/live`), { token: viewer.token })).status).toBe(403);
    const back = await server.request('POST', wsPath(owner.workspaceId, `/apps/${v1.id}/live`), { token: owner.token });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id: v1.id, version: 1, live: true, status: 'live' });
    expect(await (await fetch(url)).text()).toContain('Roses v1');
    expect((await server.request('GET', wsPath(owner.workspaceId, `/apps/${v2.id}`), { token: viewer.token })).body).toMatchObject({ live: false, status: 'superseded' });

    const forward = await server.request('POST', wsPath(owner.workspaceId, `/apps/${v2.id}/live`), { token: owner.token });
    expect(forward.body).toMatchObject({ version: 2, live: true });
    expect(await (await fetch(url)).text()).toContain('Tulips v2');
    expect((await readdir(path.join(server.dataDir, 'apps', owner.workspaceId, 'florist'))).sort()).toEqual(['v1', 'v2']);
  });

  it('a bad file list from the model leaves through the error port and publishes nothing', async () => {
    fake.script(JSON.stringify({ name: 'sneaky', summary: 'x', files: [{ path: '../../jwt-secret', content: 'overwritten' }] }));
    const texts = await turn(localBot, 'Break out');
    expect(texts.at(-1)).toBe('The app was written but could not be published: files[0].path "../../jwt-secret" contains ".."; files stay inside the site');
    expect(await server.ctx.store.apps.list(owner.workspaceId, { name: 'sneaky' })).toEqual([]);
    expect(await readFile(path.join(server.dataDir, 'jwt-secret'), 'utf8')).not.toBe('overwritten');
  });
});

describe('serving locally hosted apps', () => {
  it('never leaves the live version folder, whatever the path says', async () => {
    fake.script(appAnswer('vault', 'Vault page'));
    await turn(localBot, 'A vault page');
    // Files an escaping path could reach: the server's JWT secret and a neighbouring folder.
    const secret = (await readFile(path.join(server.dataDir, 'jwt-secret'), 'utf8')).trim();
    await writeFile(path.join(server.dataDir, 'apps', owner.workspaceId, 'outside.txt'), 'OUTSIDE-MARKER');
    const app = `/apps/${owner.workspaceId}/vault`;
    const attempts = [
      `${app}/../../../jwt-secret`,
      `${app}/../outside.txt`,
      `${app}/%2e%2e/outside.txt`,
      `${app}/%2E%2E/%2E%2E/%2E%2E/jwt-secret`,
      `${app}/..%2foutside.txt`,
      `${app}/..%5coutside.txt`,
      `${app}/js/..%2f..%2fjwt-secret`,
      `${app}/%00index.html`,
      `${app}/index.html%00.txt`,
      `${app}/./index.html`,
      `${app}//etc/passwd`,
      `/apps/${owner.workspaceId}/..%2f..%2fjwt-secret/`,
      `/apps/..%2f..%2f/vault/index.html`,
      `/apps/${owner.workspaceId}/VAULT/`,
    ];
    for (const attempt of attempts) {
      const res = await rawGet(attempt);
      expect([attempt, res.status]).toEqual([attempt, 404]);
      expect(res.body).not.toContain(secret);
      expect(res.body).not.toContain('OUTSIDE-MARKER');
      expect(res.headers['content-security-policy']).toMatch(/^sandbox;/);
    }
    expect((await rawGet(`${app}/index.html`)).body).toContain('Vault page');
  });

  it('answers folders with index.html, redirects to the trailing slash, lists no directory, and has a 404 page', async () => {
    const app = `/apps/${owner.workspaceId}/vault`;
    const bare = await rawGet(`${app}?from=test`);
    expect([bare.status, bare.headers.location]).toEqual([301, `${app}/?from=test`]);
    const folder = await rawGet(`${app}/js`);
    expect([folder.status, folder.headers.location]).toEqual([301, `${app}/js/`]);
    // A folder without index.html is not listed.
    const listing = await rawGet(`${app}/js/`);
    expect(listing.status).toBe(404);
    expect(listing.body).not.toContain('app.js');
    expect(listing.body).toContain('no index.html');
    const missing = await rawGet(`${app}/nope.html`);
    expect([missing.status, missing.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    expect(missing.body).toContain('There is no such file in this app.');
    const noApp = await rawGet(`/apps/${owner.workspaceId}/never-published/`);
    expect(noApp.status).toBe(404);
    expect(noApp.body).toContain('No app named &#34;never-published&#34; is live here.');
    // Another workspace's path to the same name finds nothing.
    const other = await server.signUp('Other');
    expect((await rawGet(`/apps/${other.workspaceId}/vault/`)).status).toBe(404);
    const head = await fetch(`${server.url}${app}/`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
  });
});

describe('app builder, platform target', () => {
  it('provisions a database, creates a service, uploads, starts, polls until live; the page answers at the platform URL', async () => {
    const before = platform.services.size;
    fake.script(appAnswer('cafe', 'Coffee on the platform'));
    const line = liveLine(await turn(platformBot, 'A cafe menu'));
    expect(line).toMatch(new RegExp(`^I built cafe\\. It is live at ${platform.url}/sites/svc-[0-9a-f]+/ \\(version 1\\)\\.$`));
    expect(platform.services.size).toBe(before + 1);
    const page = await fetch(urlIn(line)!);
    expect(await page.text()).toContain('Coffee on the platform');

    const [recorded] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'cafe' });
    const serviceId = recorded?.detail.serviceId as string;
    const service = platform.services.get(serviceId)!;
    expect(recorded).toMatchObject({ target: 'platform', status: 'live', live: true, url: urlIn(line), detail: { platformStatus: 'live' } });
    expect([...service.files.keys()]).toEqual(['index.html', 'style.css', 'js/app.js', 'assets/logo.svg']);
    const database = platform.databases.get(service.databaseId!)!;
    expect(recorded?.detail.database).toEqual({ id: database.id, credentials: database.credentials });
    // Started once, then asked until live: `starting` twice, then `live`.
    const statusReads = platform.requests.filter((r) => r.method === 'GET' && r.path === `/v1/services/${serviceId}`);
    expect(statusReads).toHaveLength(3);
    expect(platform.requests.every((r) => r.authorized)).toBe(true);

    // Editors see the database credentials; viewers see them hidden.
    const asOwner = await server.request('GET', wsPath(owner.workspaceId, `/apps/${recorded!.id}`), { token: owner.token });
    expect(asOwner.body.detail.database.credentials.password).toBe(database.credentials.password);
    const asViewer = await server.request('GET', wsPath(owner.workspaceId, `/apps/${recorded!.id}`), { token: viewer.token });
    expect(asViewer.body.detail.database.credentials).toMatchObject({ password: '********', url: '********', host: 'db.platform.test', user: 'app' });
    expect(JSON.stringify((await server.request('GET', wsPath(owner.workspaceId, '/apps'), { token: viewer.token })).body)).not.toContain(database.credentials.password);

    // The served path on this server sends people to the platform.
    const local = await rawGet(`/apps/${owner.workspaceId}/cafe/`);
    expect([local.status, local.headers.location]).toEqual([302, urlIn(line)]);
  });

  it('a second version reuses the app database and gets its own service; rollback checks the old service still runs', async () => {
    const contact = 'platform-versions';
    fake.script(appAnswer('diner', 'Diner v1'));
    await turn(platformBot, 'A diner page', contact);
    fake.script(appAnswer('diner', 'Diner v2'));
    const second = liveLine(await turn(platformBot, 'Add breakfast', contact));
    expect(second).toContain('(version 2)');
    const [v2, v1] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'diner' });
    expect(v2?.detail.serviceId).not.toBe(v1?.detail.serviceId);
    expect((v2?.detail.database as { id: string }).id).toBe((v1?.detail.database as { id: string }).id);

    const back = await server.request('POST', wsPath(owner.workspaceId, `/apps/${v1!.id}/live`), { token: owner.token });
    expect(back.body).toMatchObject({ version: 1, live: true, url: v1!.url });
    // A version whose service stopped on the platform cannot be made live.
    platform.stop(v2!.detail.serviceId as string, 'out of memory');
    const refused = await server.request('POST', wsPath(owner.workspaceId, `/apps/${v2!.id}/live`), { token: owner.token });
    expect([refused.status, refused.body.error]).toEqual([409, 'app_not_running']);
    expect(refused.body.message).toContain('is failed, not live: out of memory');
    expect((await server.ctx.store.apps.live(owner.workspaceId, 'diner'))?.version).toBe(1);
  });

  it('a platform that cannot provision the database: the reply says so and the deployment records it failed', async () => {
    platform.failNext('database', 'database quota exceeded for this account');
    fake.script(appAnswer('gallery', 'Gallery'));
    const texts = await turn(platformBot, 'A photo gallery');
    expect(texts.at(-1)).toBe(
      'The app was written but could not be published: version 1 of "gallery" did not go live on the hosting platform: provisioning the database: the hosting platform answered HTTP 503: database quota exceeded for this account',
    );
    const [failed] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'gallery' });
    expect(failed).toMatchObject({ status: 'failed', live: false, detail: { failedStep: 'database', reason: expect.stringContaining('quota exceeded') } });
    expect(failed?.url).toBeUndefined();
    const refused = await server.request('POST', wsPath(owner.workspaceId, `/apps/${failed!.id}/live`), { token: owner.token });
    expect([refused.status, refused.body.error]).toEqual([409, 'app_not_ready']);
  });

  it('a service that fails to start: the reply names the platform error and the live version stays live', async () => {
    const contact = 'platform-start-fails';
    fake.script(appAnswer('bistro', 'Bistro v1'));
    await turn(platformBot, 'A bistro page', contact);
    platform.failNextStart('build crashed: index.html is not valid');
    fake.script(appAnswer('bistro', 'Bistro v2'));
    const texts = await turn(platformBot, 'Change everything', contact);
    expect(texts.at(-1)).toBe(
      'The app was written but could not be published: version 2 of "bistro" did not go live on the hosting platform: the service failed to start: build crashed: index.html is not valid',
    );
    const [v2, v1] = await server.ctx.store.apps.list(owner.workspaceId, { name: 'bistro' });
    expect(v2).toMatchObject({ version: 2, status: 'failed', live: false, detail: { failedStep: 'start', platformStatus: 'failed' } });
    expect(v1).toMatchObject({ version: 1, status: 'live', live: true });
  });
});

describe('the app builder on the offline demo model (npm start without keys)', () => {
  it('publishes a placeholder page that shows what the person asked for', async () => {
    const offline = await startTestServer({ LLM_OFFLINE: '1' });
    try {
      const user = await offline.signUp('Offline builder');
      await offline.ctx.store.ledger.adjust(user.workspaceId, 'offline-credits', 'purchase', 100_000, {});
      const deployment = await deployFlow(offline, user.workspaceId, await exampleFlow());
      const result = await offline.ctx.chat.send(deployment, 'api', 'offline-visitor', { text: 'a <b>todo</b> list for my team' });
      const texts = result.replies.map((r) => r.text);
      const url = urlIn(liveLine(texts));
      expect(url, texts.join('\n')).toBeDefined();
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('a &#60;b&#62;todo&#60;/b&#62; list for my team');
      expect((await fetch(new URL('style.css', url!))).status).toBe(200);
    } finally {
      await offline.stop();
    }
  });
});
