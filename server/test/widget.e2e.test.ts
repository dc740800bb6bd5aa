import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWidget } from '../src/widget/serve-widget.js';
import type { Deployment } from '../src/store/types.js';
import { deployFlow, startTestServer, type TestServer } from './harness.js';
import { keepScreenshot, launch, LOG_SCROLL, NEW_GLOBALS, RECORD_GLOBALS, SCROLL_LOG_TO_TOP, STREAM_SEEN, stylesOf, WATCH_STREAM } from './widget/browser.js';
import { startHostSite, type HostSite, type WidgetTag } from './widget/host-page.js';

/**
 * The embeddable widget in Debian's Chromium: a customer's page on its own 127.0.0.1 origin,
 * with hostile global CSS, loads <script src="<server>/widget.js" data-deployment="pk_...">
 * from the real server, which runs a flow with a streaming LLM step (against the local fake
 * LLM wire-protocol server) and a reply with quick-reply buttons.
 */

const FLOW = (imageUrl: string) => ({
  format: 'nexusflow/flow@1',
  id: 'widget-shop',
  name: 'Widget shop assistant',
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    { id: 'route', type: 'core/branch', position: { x: 200, y: 0 }, config: { conditions: [{ port: 'product', when: 'message.payload = "product"' }], otherwise: 'ask' } },
    { id: 'answer', type: 'core/llm', position: { x: 400, y: 0 }, config: { provider: 'openai', model: 'gpt-4o-mini', maxTokens: 200, stream: true } },
    {
      id: 'menu',
      type: 'core/reply',
      position: { x: 600, y: 0 },
      config: { text: 'Anything else I can help with?', buttons: [{ title: 'Show me the robot', payload: 'product' }, { title: 'Talk to a person', payload: 'person' }] },
    },
    { id: 'product', type: 'core/reply', position: { x: 400, y: 200 }, config: { text: 'Meet the Nexus One: plans start at $19 a month.', media: { url: imageUrl, type: 'image' } } },
  ],
  edges: [
    { id: 'e1', source: 'start', port: 'out', target: 'route' },
    { id: 'e2', source: 'route', port: 'ask', target: 'answer' },
    { id: 'e3', source: 'answer', port: 'out', target: 'menu' },
    { id: 'e4', source: 'route', port: 'product', target: 'product' },
  ],
});

const SLOW_QUESTION = 'What does shipping cost?';
/** What the fake model answers: long enough to stream for a while, and naming the question. */
const answerTo = (question: string) => `Thanks for asking about "${question}". Our robots ship within two days, and this answer arrives token by token.`;

let server: TestServer;
let fake: FakeLlmServer;
let site: HostSite;
let browser: Browser;
let workspaceId: string;
let deployment: Deployment;
const contexts: BrowserContext[] = [];
/** Each page's console output, from before it loaded. */
const consoleOf = new Map<Page, string[]>();
const extraDirs: string[] = [];

const lastUserMessage = () => {
  const messages = (fake.requests.at(-1)?.body.messages ?? []) as { role: string; content: unknown }[];
  return String(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
};

async function openPage(pagePath: string, tag: Omit<WidgetTag, 'serverUrl'>, options: { colorScheme?: 'light' | 'dark'; sharp?: boolean; viewport?: { width: number; height: number }; csp?: string } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    // Screenshots people look at are taken at twice the pixel density.
    deviceScaleFactor: options.sharp === true ? 2 : 1,
    ...(options.colorScheme === undefined ? {} : { colorScheme: options.colorScheme }),
  });
  contexts.push(context);
  const page = await context.newPage();
  const messages: string[] = [];
  consoleOf.set(page, messages);
  page.on('console', (message) => void messages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => void messages.push(`pageerror: ${error.message}`));
  await page.addInitScript(RECORD_GLOBALS);
  await page.goto(site.page(pagePath, { serverUrl: server.url, ...tag }, options.csp));
  await page.locator('nexusflow-widget .nf-launcher').waitFor();
  return page;
}

/** A plain HTTP GET, headers exactly as given. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

const widget = (page: Page) => page.locator('nexusflow-widget');
const bubbles = (page: Page) => widget(page).locator('.nf-row .nf-bubble');
const bubbleTexts = (page: Page) => bubbles(page).allTextContents();

beforeAll(async () => {
  fake = await startFakeLlmServer({
    responder: (request) => {
      const messages = (request.body.messages ?? []) as { role: string; content: unknown }[];
      const question = String(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
      // The pause before the first token keeps the typing dots on screen long enough to be seen;
      // the longer one leaves the scrolling test ample room to scroll up before the answer comes.
      return { text: answerTo(question), delayFirstTokenMs: question === SLOW_QUESTION ? 2500 : 600, tokenDelayMs: 25 };
    },
  });
  server = await startTestServer({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.openaiBaseURL });
  site = await startHostSite();
  const owner = await server.signUp('Widget owner');
  workspaceId = owner.workspaceId;
  await server.ctx.store.ledger.adjust(workspaceId, 'widget-test-credits', 'purchase', 1_000_000, {});
  deployment = await deployFlow(server, workspaceId, FLOW(`${site.origin}/product.svg`));
  browser = await launch();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
  await site?.close();
  await fake?.close();
  for (const dir of extraDirs) await rm(dir, { recursive: true, force: true });
});

describe('GET /widget.js', () => {
  it('serves the bundled widget to other origins, with an ETag, revalidation and gzip', async () => {
    const first = await fetch(`${server.url}/widget.js`, { headers: { 'accept-encoding': 'identity', origin: site.origin } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const code = await first.text();
    // One IIFE that names its one global and carries the Socket.IO client.
    expect(code).toMatch(/^("use strict";)?\(\(\)=>\{/);
    expect(code).toContain('NexusFlowWidget');
    expect(code).toContain('/chat');

    // What a browser sends to revalidate its cached copy (fetch() would add "Cache-Control: no-cache").
    const again = await rawGet(`${server.url}/widget.js`, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const gz = await rawGet(`${server.url}/widget.js`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(gz.headers.vary).toContain('Accept-Encoding');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.length).toBeLessThan(code.length / 2);
    expect(gunzipSync(gz.body).toString('utf8')).toBe(code);
  });

  it('lets a widget on another origin reach Socket.IO over HTTP long-polling too (the fallback where WebSockets are blocked)', async () => {
    const handshake = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: site.origin } });
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('access-control-allow-origin')).toBe('*');
    expect(handshake.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await handshake.text()).toMatch(/^0\{"sid":/);
  });

  it('answers 500 with the build error when the widget source does not compile, and the log says so', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nexusflow-widget-broken-'));
    extraDirs.push(dir);
    const entry = path.join(dir, 'main.ts');
    await writeFile(entry, 'const broken: number = ;\n');
    const app = express();
    mountWidget(app, server.ctx, { entry });
    const http = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/widget.js`);
      expect(res.status).toBe(500);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(text).toContain('The Nexus Flow chat widget could not be built');
      expect(text).toContain(`${entry}:1:`);
      expect(server.logs.some((line) => line.includes('the chat widget could not be built'))).toBe(true);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('the widget on a customer page', { timeout: 90_000 }, () => {
  it('welcome, Start, a streamed reply with typing dots, quick replies, an image, keyboard use; the page CSS cannot touch it', async () => {
    const page = await openPage('/shop', { publishableKey: deployment.publishableKey, data: { title: 'Acme Support' } }, { sharp: true });

    // The page's hostile CSS is live (its own heading is red, its divs hidden) ...
    expect(await page.evaluate(`getComputedStyle(document.querySelector('h1')).color`)).toBe('rgb(255, 0, 0)');
    expect(await page.locator('.page-div').isHidden()).toBe(true);
    // ... yet the widget's host element stays a fixed box in the corner, and its button keeps its looks.
    expect(await stylesOf(page, ':host', ['display', 'position', 'opacity', 'z-index'])).toEqual({ display: 'block', position: 'fixed', opacity: '1', 'z-index': '2147483000' });
    const launcher = widget(page).locator('.nf-launcher');
    expect(await launcher.getAttribute('aria-label')).toBe('Open chat');
    const box = (await launcher.boundingBox())!;
    expect({ right: Math.round(box.x + box.width), bottom: Math.round(box.y + box.height), width: Math.round(box.width) }).toEqual({ right: 1260, bottom: 780, width: 60 });
    expect(await stylesOf(page, '.nf-launcher', ['background-color', 'border-top-style', 'padding-top'])).toEqual({ 'background-color': 'rgb(79, 70, 229)', 'border-top-style': 'none', 'padding-top': '0px' });
    // Nothing leaks onto window but the one API.
    expect(await page.evaluate(NEW_GLOBALS)).toEqual(['NexusFlowWidget']);

    await launcher.click();
    await expect.poll(() => launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await launcher.getAttribute('aria-label')).toBe('Close chat');
    const dialog = page.getByRole('dialog', { name: 'Acme Support' });
    await dialog.waitFor();
    await expect.poll(() => stylesOf(page, '.nf-welcome-title', ['font-size', 'color', 'font-family'])).toMatchObject({ 'font-size': '21px', color: 'rgb(17, 24, 39)' });
    expect((await stylesOf(page, '.nf-welcome-title', ['font-family']))['font-family']).not.toContain('Comic Sans');
    await expect.poll(() => widget(page).locator('.nf-status-text').textContent()).toBe('Online');
    await keepScreenshot(page, 'welcome');

    await page.evaluate(WATCH_STREAM);
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    const answer = answerTo('Hello');
    await widget(page).locator('.nf-row.nf-from-bot .nf-bubble', { hasText: answer }).waitFor();
    expect(lastUserMessage()).toBe('Hello');
    const seen = (await page.evaluate(STREAM_SEEN)) as { streamed: string[]; typingShown: boolean };
    expect(seen.typingShown).toBe(true);
    // The answer grew on screen token by token before the final reply replaced the streamed bubble.
    const partial = seen.streamed.filter((text) => text.length > 0 && text.length < answer.length);
    expect(partial.length).toBeGreaterThan(3);
    for (const text of partial) expect(answer.startsWith(text)).toBe(true);
    await widget(page).locator('.nf-streaming').waitFor({ state: 'detached' });
    expect(await widget(page).locator('.nf-typing').isHidden()).toBe(true);
    await widget(page).getByText('Anything else I can help with?').waitFor();
    expect(await bubbleTexts(page)).toEqual(['Hello', answer, 'Anything else I can help with?']);
    expect(await stylesOf(page, '.nf-row.nf-from-user .nf-bubble', ['background-color', 'color'])).toEqual({ 'background-color': 'rgb(79, 70, 229)', color: 'rgb(255, 255, 255)' });

    // Quick replies: a click sends the title with its payload (the flow branches on it), and the buttons go away.
    const quick = widget(page).getByRole('group', { name: 'Suggested replies' });
    expect(await quick.getByRole('button').allTextContents()).toEqual(['Show me the robot', 'Talk to a person']);
    expect(await stylesOf(page, '.nf-quick button', ['background-color', 'border-top-style'])).toMatchObject({ 'border-top-style': 'solid' });
    await quick.getByRole('button', { name: 'Show me the robot' }).click();
    await expect.poll(() => quick.isHidden()).toBe(true);
    await widget(page).getByText('Meet the Nexus One: plans start at $19 a month.').waitFor();
    const image = widget(page).getByRole('img', { name: 'Image' });
    await expect.poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(480);
    expect(await bubbleTexts(page)).toEqual(['Hello', answer, 'Anything else I can help with?', 'Show me the robot', 'Meet the Nexus One: plans start at $19 a month.']);
    await expect.poll(() => page.evaluate(LOG_SCROLL).then((s) => (s as { fromBottom: number }).fromBottom)).toBeLessThan(2);
    await keepScreenshot(page, 'light');

    // Keyboard: type and press Enter to send; the reply follows.
    const input = widget(page).getByRole('textbox', { name: 'Message' });
    await input.focus();
    await page.keyboard.type(SLOW_QUESTION);
    await page.keyboard.press('Enter');
    // Reading older messages: new ones must not pull the reader down; a "New messages" button offers it.
    expect(((await page.evaluate(LOG_SCROLL)) as { scrollable: boolean }).scrollable).toBe(true);
    await page.evaluate(SCROLL_LOG_TO_TOP);
    await widget(page).locator('.nf-row.nf-from-bot .nf-bubble', { hasText: answerTo(SLOW_QUESTION) }).waitFor();
    await widget(page).locator('.nf-row.nf-from-bot .nf-bubble', { hasText: 'Anything else I can help with?' }).nth(1).waitFor();
    expect(((await page.evaluate(LOG_SCROLL)) as { top: number }).top).toBe(0);
    const jump = widget(page).getByRole('button', { name: 'New messages' });
    await jump.waitFor();
    await jump.click();
    await expect.poll(() => page.evaluate(LOG_SCROLL).then((s) => (s as { fromBottom: number }).fromBottom)).toBeLessThan(2);
    expect(await input.inputValue()).toBe('');

    // Escape closes and gives focus back to the launcher; Enter on it opens again.
    await input.focus();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await widget(page).evaluate((host) => (host as unknown as { shadowRoot: { activeElement: { className: string } } }).shadowRoot.activeElement.className)).toBe('nf-launcher');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.evaluate(`window.NexusFlowWidget.close()`);
    await dialog.waitFor({ state: 'hidden' });
    expect(consoleOf.get(page)!.filter((line) => /^(error|warning|pageerror)/.test(line))).toEqual([]);
  });

  it('keeps the conversation across a reload: same contact, history shown, no second greeting', async () => {
    const page = await openPage('/reload', { publishableKey: deployment.publishableKey });
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await widget(page).getByText('Anything else I can help with?').waitFor();
    const before = await bubbleTexts(page);
    const contactKey = `nexusflow-widget:contact:${deployment.publishableKey}`;
    const contactId = await page.evaluate(`localStorage.getItem(${JSON.stringify(contactKey)})`);
    expect(contactId).toMatch(/^[A-Za-z0-9_-]{24}$/);

    await page.reload();
    // The window was open, so it opens again, straight to the conversation (no welcome, no new "Hello").
    await widget(page).getByText('Anything else I can help with?').waitFor();
    expect(await widget(page).locator('.nf-welcome').isHidden()).toBe(true);
    expect(await bubbleTexts(page)).toEqual(before);
    expect(await page.evaluate(`localStorage.getItem(${JSON.stringify(contactKey)})`)).toBe(contactId);
    const contact = await server.ctx.store.contacts.upsert(workspaceId, 'web', String(contactId), Date.now());
    const session = await server.ctx.store.sessions.open(workspaceId, { deploymentId: deployment.id, contactId: contact.id, channel: 'web', versionId: deployment.versionId });
    const transcript = await server.ctx.store.transcripts.list(workspaceId, session.id, {});
    expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual(['Hello']);
    // The quick replies of the last message are offered again.
    expect(await widget(page).getByRole('group', { name: 'Suggested replies' }).getByRole('button').count()).toBe(2);
  });

  it('follows the dark theme (data-theme="dark", and "auto" with the system setting), the accent colour and the left position', async () => {
    const page = await openPage('/dark', {
      publishableKey: deployment.publishableKey,
      data: { theme: 'dark', color: '#0ea5e9', title: 'Acme Night Desk', position: 'bottom-left', 'start-message': 'Good evening', greeting: 'We are here around the clock.' },
    }, { sharp: true });
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('dialog', { name: 'Acme Night Desk' }).waitFor();
    expect(await widget(page).locator('.nf-root').getAttribute('class')).toContain('nf-dark');
    expect(await stylesOf(page, '.nf-panel', ['background-color', 'color'])).toEqual({ 'background-color': 'rgb(21, 23, 28)', color: 'rgb(238, 240, 244)' });
    expect(await stylesOf(page, '.nf-launcher', ['background-color'])).toEqual({ 'background-color': 'rgb(14, 165, 233)' });
    const box = (await widget(page).boundingBox())!;
    expect({ left: Math.round(box.x), bottom: Math.round(box.y + box.height) }).toEqual({ left: 20, bottom: 780 });
    await widget(page).getByText('We are here around the clock.').waitFor();
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await widget(page).getByText('Anything else I can help with?').waitFor();
    expect(lastUserMessage()).toBe('Good evening');
    // A light accent gets dark text, for contrast.
    expect(await stylesOf(page, '.nf-row.nf-from-user .nf-bubble', ['background-color', 'color'])).toEqual({ 'background-color': 'rgb(14, 165, 233)', color: 'rgb(17, 24, 39)' });
    await keepScreenshot(page, 'dark');

    const auto = await openPage('/auto', { publishableKey: deployment.publishableKey, data: { theme: 'auto' } }, { colorScheme: 'dark' });
    const root = widget(auto).locator('.nf-root');
    expect(await root.getAttribute('class')).toContain('nf-dark');
    await auto.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => root.getAttribute('class')).not.toContain('nf-dark');
    await auto.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => root.getAttribute('class')).toContain('nf-dark');
  });

  it('fills a phone screen when open, and Escape brings the launcher back', async () => {
    const page = await openPage('/phone', { publishableKey: deployment.publishableKey, data: { title: 'Acme Support' } }, { sharp: true, viewport: { width: 390, height: 740 } });
    const launcher = widget(page).locator('.nf-launcher');
    await launcher.click();
    const dialog = page.getByRole('dialog', { name: 'Acme Support' });
    await dialog.waitFor();
    // Once the opening animation has settled.
    await expect.poll(() => dialog.boundingBox()).toEqual({ x: 0, y: 0, width: 390, height: 740 });
    expect(await launcher.isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await widget(page).getByText('Anything else I can help with?').waitFor();
    await keepScreenshot(page, 'phone');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await launcher.isVisible()).toBe(true);
  });

  it('works on a page with a strict Content-Security-Policy (no inline styles, only the server allowed)', async () => {
    const socketOrigin = server.url.replace(/^http/, 'ws');
    const csp = `default-src 'none'; script-src ${server.url}; connect-src ${server.url} ${socketOrigin}; style-src 'self'; img-src 'self' data:`;
    const page = await openPage('/strict', { publishableKey: deployment.publishableKey }, { csp });
    expect(await stylesOf(page, '.nf-launcher', ['background-color', 'border-top-left-radius'])).toEqual({ 'background-color': 'rgb(79, 70, 229)', 'border-top-left-radius': '50%' });
    await widget(page).locator('.nf-launcher').click();
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await widget(page).getByText('Anything else I can help with?').waitFor();
    expect(await stylesOf(page, '.nf-row.nf-from-user .nf-bubble', ['color'])).toEqual({ color: 'rgb(255, 255, 255)' });
    expect(consoleOf.get(page)!.filter((line) => line.includes('Content Security Policy'))).toEqual([]);
  });

  it('says so clearly when the workspace is out of credits (402) and when the key is unknown', async () => {
    const poor = (await server.ctx.store.workspaces.create({ name: 'no credits', ownerId: (await server.signUp('Poor')).userId })).id;
    const broke = await deployFlow(server, poor, FLOW(`${site.origin}/product.svg`), 'widget-broke');
    const page = await openPage('/broke', { publishableKey: broke.publishableKey });
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    const alert = widget(page).getByRole('alert');
    await alert.getByText('This assistant is out of credits right now, so it cannot answer. Please try again later.').waitFor();
    // The message itself got in; only the answer is missing.
    expect(await widget(page).locator('.nf-row.nf-from-user').getAttribute('data-status')).toBe('sent');
    await alert.getByRole('button', { name: 'Dismiss this message' }).click();
    await alert.waitFor({ state: 'hidden' });

    const unknown = await openPage('/unknown', { publishableKey: 'pk_does_not_exist' });
    await unknown.getByRole('button', { name: 'Open chat' }).click();
    await widget(unknown).getByText('This chat is unavailable right now: this page has an unknown or removed deployment key.').waitFor();
    expect(await widget(unknown).locator('.nf-status').getAttribute('data-state')).toBe('unavailable');
  });

  it('shows "Reconnecting…" while offline, queues what is typed, then catches up on what it missed and sends the queue', async () => {
    const page = await openPage('/offline', { publishableKey: deployment.publishableKey });
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await widget(page).getByText('Anything else I can help with?').waitFor();
    const contactId = String(await page.evaluate(`localStorage.getItem(${JSON.stringify(`nexusflow-widget:contact:${deployment.publishableKey}`)})`));

    await page.context().setOffline(true);
    const banner = widget(page).getByRole('status').filter({ hasText: 'Connection lost. Reconnecting…' });
    await banner.waitFor();
    expect(await widget(page).locator('.nf-status-text').textContent()).toBe('Reconnecting…');

    // Meanwhile the same visitor writes from another tab: the widget must pick that up later.
    const other = await server.ctx.chat.send(deployment, 'web', contactId, { text: 'Sent from another tab' });
    expect(other.replies.map((r) => r.text)).toEqual([answerTo('Sent from another tab'), 'Anything else I can help with?']);

    const input = widget(page).getByRole('textbox', { name: 'Message' });
    await input.fill('Are you still there?');
    await input.press('Enter');
    const queued = widget(page).locator('.nf-row.nf-from-user', { hasText: 'Are you still there?' });
    await expect.poll(() => queued.getAttribute('data-status')).toBe('queued');
    await queued.getByText('Waiting for connection').waitFor();

    await page.context().setOffline(false);
    await banner.waitFor({ state: 'hidden', timeout: 30_000 });
    await widget(page).locator('.nf-row.nf-from-bot .nf-bubble', { hasText: answerTo('Are you still there?') }).waitFor();
    await expect.poll(() => queued.getAttribute('data-status')).toBe('sent');
    const answer = answerTo('Hello');
    expect(await bubbleTexts(page)).toEqual([
      'Hello',
      answer,
      'Anything else I can help with?',
      'Sent from another tab',
      answerTo('Sent from another tab'),
      'Anything else I can help with?',
      'Are you still there?',
      answerTo('Are you still there?'),
      'Anything else I can help with?',
    ]);
  });

  it('rides out a server restart on the same port: "Reconnecting…", then the queued message goes to the new process', async () => {
    const page = await openPage('/restart', { publishableKey: deployment.publishableKey });
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await widget(page).getByText('Anything else I can help with?').waitFor();

    const { port, dataDir } = server;
    await server.close();
    const banner = widget(page).getByRole('status').filter({ hasText: 'Connection lost. Reconnecting…' });
    await banner.waitFor();
    const input = widget(page).getByRole('textbox', { name: 'Message' });
    await input.fill('Back already?');
    await input.press('Enter');
    await widget(page).locator('.nf-row.nf-from-user[data-status="queued"]', { hasText: 'Back already?' }).waitFor();

    server = await startTestServer({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.openaiBaseURL, PORT: String(port), DATA_DIR: dataDir });
    extraDirs.push(dataDir);
      await banner.waitFor({ state: 'hidden', timeout: 30_000 });
    await widget(page).locator('.nf-row.nf-from-bot .nf-bubble', { hasText: answerTo('Back already?') }).waitFor({ timeout: 30_000 });
    await widget(page).locator('.nf-row.nf-from-bot .nf-bubble', { hasText: 'Anything else I can help with?' }).nth(1).waitFor();
    expect(await widget(page).locator('.nf-status-text').textContent()).toBe('Online');
    // Nothing shows twice after the catch-up.
    expect(await bubbleTexts(page)).toEqual(['Hello', answerTo('Hello'), 'Anything else I can help with?', 'Back already?', answerTo('Back already?'), 'Anything else I can help with?']);
  });
});
