import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { keepScreenshot, launch, screenshotName } from './browser.js';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
afterEach(async ({ task }) => {
  if (page !== undefined) await keepScreenshot(page, screenshotName('signin', task.name)).catch(() => undefined);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('sign in', () => {
  it('a person signs in and sees their workspace, its flows and its credit balance in the top bar', async () => {
    const account = await server.signUp('Ada');
    await server.ctx.store.ledger.adjust(account.workspaceId, 'e2e', 'bonus', 1234);
    await page.goto(`${server.url}/#/signin`);
    await page.getByTestId('signin-email').fill(account.email);
    await page.getByTestId('signin-password').fill(account.password);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('topbar').waitFor();
    await expect.poll(() => page.getByTestId('credit-balance').textContent(), { timeout: 15_000 }).toContain('1,234');
    await page.getByTestId('flows-list').waitFor();
    expect(page.url()).toContain(`#/w/${account.workspaceId}/flows`);
  });

  it('a wrong password shows the server\'s message and keeps the person on the sign-in page', async () => {
    await page.getByTestId('signout').click();
    await page.getByTestId('signin-email').fill('nobody@example.com');
    await page.getByTestId('signin-password').fill('wrong password 123');
    await page.getByTestId('signin-submit').click();
    await expect.poll(() => page.locator('[role="alert"]').first().textContent(), { timeout: 10_000 }).toMatch(/email or password/i);
  });
});
