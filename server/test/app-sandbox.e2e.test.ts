import { testCapabilityContext } from '@nexusflow/engine/testing';
import { createDeployCapability } from '@nexusflow/nodes';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerHosting } from '../src/hosting/hosting-target.js';
import { startTestServer, type TestServer } from './harness.js';
import { launch } from './widget/browser.js';

/**
 * A generated app is untrusted code served from the editor's own origin. In Debian's Chromium:
 * the editor's origin keeps a token in localStorage, then an app published through the local
 * target tries to read it, read cookies, and call the API. The sandbox CSP gives the app an
 * opaque origin, so every attempt fails while its own scripts (classic and modules), styles and
 * data files still work.
 */

const PROBE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="style.css"><style>h1 { font-style: italic; }</style></head>
<body><h1 id="title">Probe app</h1>
<script>
  const seen = { origin: String(self.origin) };
  try { seen.storage = localStorage.getItem('nexusflow.token'); } catch (e) { seen.storage = 'blocked: ' + e.name; }
  try { seen.cookie = document.cookie; } catch (e) { seen.cookie = 'blocked: ' + e.name; }
  try { navigator.serviceWorker.register('sw.js').then(() => { seen.worker = 'registered'; }, (e) => { seen.worker = 'blocked: ' + e.name; }); } catch (e) { seen.worker = 'blocked: ' + e.name; }
  const ownData = fetch('data.json').then((r) => r.json()).then((d) => d.greeting, (e) => 'failed: ' + e.name);
  const api = fetch('/api/v1/workspaces', { headers: { authorization: 'Bearer ' + (seen.storage || '') } })
    .then((r) => 'answered ' + r.status, (e) => 'failed: ' + e.name);
  Promise.all([ownData, api]).then(([data, answer]) => {
    seen.ownData = data;
    seen.api = answer;
    setTimeout(() => { document.body.dataset.seen = JSON.stringify(seen); }, 50);
  });
</script>
<script src="js/app.js"></script>
<script type="module" src="js/module.js"></script>
</body></html>`;

let server: TestServer;
let browser: Browser;
let appUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  const owner = await server.signUp('Sandbox');
  const hosting = createServerHosting({ apps: server.ctx.store.apps, config: server.ctx.config, publicUrl: () => server.url });
  const publish = createDeployCapability({ target: hosting });
  const files = [
    { path: 'index.html', content: PROBE },
    { path: 'style.css', content: 'h1 { color: rgb(0, 128, 128); }' },
    { path: 'js/app.js', content: "document.getElementById('title').dataset.fromFile = 'yes';" },
    { path: 'sw.js', content: 'self.addEventListener("fetch", () => {});' },
    { path: 'data.json', content: '{ "greeting": "hello from data.json" }' },
    { path: 'js/module.js', content: "import { mark } from './mark.js'; document.getElementById('title').dataset.fromModule = mark;" },
    { path: 'js/mark.js', content: "export const mark = 'module';" },
  ];
  const result = (await publish('publish', [{ name: 'probe', files }], testCapabilityContext({ workspaceId: owner.workspaceId }))) as { url: string };
  appUrl = result.url;
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('generated apps in a real browser', () => {
  it("cannot read the editor origin's token, cookies or API, while their own scripts, styles and files work", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The editor's origin signs someone in: the token sits in its localStorage.
    await page.goto(`${server.url}/`);
    await page.evaluate(`localStorage.setItem('nexusflow.token', 'SECRET-EDITOR-TOKEN'); document.cookie = 'session=SECRET-COOKIE; path=/'`);
    // The check would see a leak: on the editor's own origin the token is readable.
    expect(await page.evaluate(`localStorage.getItem('nexusflow.token')`)).toBe('SECRET-EDITOR-TOKEN');

    const answer = await page.goto(appUrl);
    expect(answer?.status()).toBe(200);
    await page.waitForSelector('body[data-seen]', { timeout: 10_000 });
    const seen = JSON.parse((await page.getAttribute('body', 'data-seen')) ?? '{}') as Record<string, string>;
    expect(seen.origin).toBe('null');
    expect(seen.storage).toBe('blocked: SecurityError');
    expect(seen.cookie).toBe('blocked: SecurityError');
    expect(seen.worker).toMatch(/^blocked: /);
    // Cross-origin from an opaque origin, with no token: the API's CORS answer is not readable.
    expect(seen.api).toBe('failed: TypeError');
    expect(JSON.stringify(seen)).not.toContain('SECRET');
    // Its own files stay readable: fetch() of a data file is a CORS request from origin "null".
    expect(seen.ownData).toBe('hello from data.json');

    // The app itself works: inline and linked styles, inline and linked scripts.
    await page.waitForSelector('#title[data-from-module]', { timeout: 10_000 });
    const title = await page.evaluate(
      `(() => { const h = document.getElementById('title'); const s = getComputedStyle(h); return { color: s.color, italic: s.fontStyle, fromFile: h.dataset.fromFile, fromModule: h.dataset.fromModule }; })()`,
    );
    expect(title).toEqual({ color: 'rgb(0, 128, 128)', italic: 'italic', fromFile: 'yes', fromModule: 'module' });
    await context.close();
  });
});
