import type { CapabilityContext } from '@nexusflow/engine';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClientFactory } from '../../server/src/channels/whatsapp-web/fake-client.js';
import { createLocalTarget } from '../../server/src/hosting/local-target.js';
import { deployFlow, flowOf, startTestServer, type TestServer } from '../../server/test/harness.js';
import { keepScreenshot, launch, screenshotName, signIn } from './browser.js';

/**
 * WhatsApp and generated apps in the editor, in Chromium against the real server. The server's WhatsApp Web client is
 * the fake with whatsapp-web.js's events and methods (no WhatsApp account is reachable here): the
 * test plays the phone (QR scanned, messages from a contact) and reads what the number sent.
 */

let server: TestServer;
let browser: Browser;
let page: Page;
let account: Awaited<ReturnType<TestServer['signUp']>>;
const whatsapp = createFakeClientFactory();
const CONTACT = '4915112345678@c.us';

beforeAll(async () => {
  server = await startTestServer({}, { channels: { createWhatsAppClient: whatsapp.createClient, whatsappLimits: { minIntervalMs: 5 } } });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  account = await server.signUp('Operator Ada');
  await deployFlow(server, account.workspaceId, flowOf('support', [{ id: 'echo', type: 'core/reply', config: { text: 'You said: {{ message.text }}' } }]), 'support-bot');
  await signIn(page, server.url, account);
});
afterEach(async ({ task }) => {
  if (page !== undefined) await keepScreenshot(page, screenshotName('channels', task.name)).catch(() => undefined);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** What the fake WhatsApp number sent to a chat, in order. */
const sentTo = (chatId: string) => whatsapp.clients.flatMap((c) => c.sent).filter((m) => m.chatId === chatId).map((m) => m.body);

const transcriptTexts = () => page.getByTestId('transcript').locator('[data-testid^="transcript-entry-"]').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-role')}: ${el.querySelector('.message-text')?.textContent}`));

describe('WhatsApp channels in the editor', () => {
  let connectionId = '';

  it('connects WhatsApp Web: the QR code appears live, survives a reload, and the badge turns ready once paired', async () => {
    await page.getByTestId('nav-channels').click();
    await page.getByTestId('channels-empty').waitFor();
    await page.getByTestId('channel-connect').click();
    const dialog = page.getByTestId('channel-create-dialog');
    await expect.poll(() => dialog.getByTestId('ban-risk').textContent()).toMatch(/unofficial client.*block the number/s);
    await expect.poll(() => dialog.getByTestId('channel-create-deployment').locator('option').allTextContents()).toEqual(['support-bot (support-bot)']);
    await dialog.getByTestId('channel-create-name').fill('Support line');
    await dialog.getByTestId('channel-create-submit').click();
    await dialog.waitFor({ state: 'detached' });

    const row = page.locator('[data-testid^="channel-row-"]');
    await expect.poll(() => row.count()).toBe(1);
    connectionId = (await row.getAttribute('data-testid'))!.slice('channel-row-'.length);
    const stored = await server.ctx.store.channels.get(account.workspaceId, connectionId);
    expect(stored).toMatchObject({ kind: 'whatsapp', name: 'Support line', config: { ignoreGroups: true, ignoreOwn: true } });

    // WhatsApp shows a QR code to scan: it is pushed to the page and drawn as an image.
    await expect.poll(() => whatsapp.clients.length, { timeout: 15_000 }).toBeGreaterThan(0);
    whatsapp.latest.emitQr();
    const qr = page.getByTestId(`channel-qr-${connectionId}`);
    await qr.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId(`channel-status-${connectionId}`).textContent()).toBe('waiting for QR');
    expect((await qr.getAttribute('src'))!.startsWith('data:image/svg+xml;base64,')).toBe(true);
    // Chromium decoded and drew it (an undecodable image has no natural size).
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await keepScreenshot(page, 'channels--qr-code-waiting');

    await page.reload();
    await page.getByTestId(`channel-qr-${connectionId}`).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId(`channel-status-${connectionId}`).textContent()).toBe('waiting for QR');
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');

    whatsapp.latest.emitAuthenticated();
    whatsapp.latest.emitReady();
    await expect.poll(() => page.getByTestId(`channel-status-${connectionId}`).textContent(), { timeout: 15_000 }).toBe('ready');
    expect(await page.getByTestId(`channel-qr-panel-${connectionId}`).count()).toBe(0);
  });

  it("shows a contact's WhatsApp messages live in the conversation; an operator takes over, answers on WhatsApp and hands back", async () => {
    whatsapp.latest.receive({ from: CONTACT, body: 'hello there', notifyName: 'Grace' });
    await expect.poll(() => sentTo(CONTACT), { timeout: 20_000 }).toEqual(['You said: hello there']);

    await page.getByTestId('nav-sessions').click();
    const open = page.locator('[data-testid^="session-open-"]');
    await expect.poll(() => open.count(), { timeout: 15_000 }).toBe(1);
    await open.click();
    await page.getByTestId('transcript').waitFor();
    await expect.poll(() => page.getByTestId('transcript-live').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    expect(await transcriptTexts()).toEqual(['user: hello there', 'bot: You said: hello there']);

    // Said on the phone while the page is open: it appears without a reload.
    whatsapp.latest.receive({ from: CONTACT, body: 'are you a bot?', notifyName: 'Grace' });
    await expect.poll(transcriptTexts, { timeout: 20_000 }).toEqual(['user: hello there', 'bot: You said: hello there', 'user: are you a bot?', 'bot: You said: are you a bot?']);

    await page.getByTestId('handoff-take').click();
    await expect.poll(() => page.getByTestId('handoff-banner-text').textContent(), { timeout: 10_000 }).toMatch(/^Taken over by you since /);

    // Taken over: the contact's message shows, and the flow does not answer it.
    whatsapp.latest.receive({ from: CONTACT, body: 'I would like a person', notifyName: 'Grace' });
    await expect.poll(async () => (await transcriptTexts()).at(-1), { timeout: 20_000 }).toBe('user: I would like a person');

    await page.getByTestId('operator-input').fill('Hi Grace, Ada here. How can I help?');
    await page.getByTestId('operator-send').click();
    await expect.poll(async () => (await transcriptTexts()).at(-1), { timeout: 20_000 }).toBe('operator: Hi Grace, Ada here. How can I help?');
    await expect.poll(() => sentTo(CONTACT), { timeout: 20_000 }).toEqual(['You said: hello there', 'You said: are you a bot?', 'Hi Grace, Ada here. How can I help?']);
    expect(await page.getByTestId('operator-input').inputValue()).toBe('');
    await keepScreenshot(page, 'channels--operator-answers');

    await page.getByTestId('handoff-release').click();
    await expect.poll(() => page.getByTestId('handoff-bar').getAttribute('data-taken-over'), { timeout: 10_000 }).toBe('false');
    expect(await page.getByTestId('operator-composer').count()).toBe(0);

    // Handed back: the flow answers the next message again.
    whatsapp.latest.receive({ from: CONTACT, body: 'thanks', notifyName: 'Grace' });
    await expect.poll(async () => (await transcriptTexts()).at(-1), { timeout: 20_000 }).toBe('bot: You said: thanks');
    expect(sentTo(CONTACT).at(-1)).toBe('You said: thanks');
  });

  it('lists the contact who wrote in, with their conversation', async () => {
    await page.getByTestId('nav-contacts').click();
    const row = page.locator('[data-testid^="contact-row-"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.textContent()).toContain(CONTACT);
    await row.locator('a').click();
    await page.getByTestId('contact-facts').waitFor();
    await expect.poll(() => page.locator('[data-testid^="contact-session-open-"]').count(), { timeout: 10_000 }).toBe(1);
  });

  it('stops the connection and deletes it after confirming', async () => {
    await page.getByTestId('nav-channels').click();
    await page.getByTestId(`channel-stop-${connectionId}`).click();
    await expect.poll(() => page.getByTestId(`channel-status-${connectionId}`).textContent(), { timeout: 15_000 }).toBe('stopped');
    await page.getByTestId(`channel-delete-${connectionId}`).click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('channels-empty').waitFor({ timeout: 10_000 });
    expect(await server.ctx.store.channels.get(account.workspaceId, connectionId)).toBeUndefined();
  });
});

describe('generated apps in the editor', () => {
  it('lists an app with its live address and files, and rolls back to an earlier version that is then served', async () => {
    // Two publishes through the server's own local hosting target, as the deploy node makes them.
    const local = createLocalTarget({ apps: server.ctx.store.apps, dataDir: server.dataDir, publicUrl: server.ctx.publicUrl });
    const context = { workspaceId: account.workspaceId } as CapabilityContext;
    const page1 = '<!doctype html><title>Hello</title><h1>Hello v1</h1>';
    await local.publish(context, { name: 'hello-app', target: 'local', key: 'e2e-apps-1', files: [{ path: 'index.html', content: page1 }] });
    const second = await local.publish(context, { name: 'hello-app', target: 'local', key: 'e2e-apps-2', files: [{ path: 'index.html', content: '<h1>Hello v2</h1>' }, { path: 'app.js', content: 'console.log(2)' }] });

    await page.getByTestId('nav-apps').click();
    const row = page.getByTestId('app-row-hello-app');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td').first().textContent()).toBe('v2');
    const link = page.getByTestId('app-url-hello-app');
    expect(await link.getAttribute('href')).toBe(second.url);
    await row.locator('summary').click();
    expect(await row.locator('.app-files li').allTextContents()).toEqual(['index.html 17 B', 'app.js 14 B']);
    expect(await (await fetch(second.url)).text()).toContain('Hello v2');

    await page.getByTestId('app-versions-toggle-hello-app').click();
    const earlier = page.getByTestId('app-versions-hello-app').locator('[data-testid^="app-make-live-"]');
    await earlier.click();
    await expect.poll(() => page.getByTestId('app-live-status').textContent(), { timeout: 10_000 }).toBe(`Version 1 of hello-app is live at ${second.url}.`);
    await expect.poll(() => row.locator('td').first().textContent(), { timeout: 10_000 }).toBe('v1');
    expect(await (await fetch(second.url)).text()).toBe(page1);
    await keepScreenshot(page, 'channels--apps-rolled-back');
  });
});
