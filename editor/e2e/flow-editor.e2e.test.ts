import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { keepScreenshot, launch, screenshotName, signIn } from './browser.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let account: Awaited<ReturnType<TestServer['signUp']>>;
let scratch: string;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1500, height: 950 }, acceptDownloads: true });
  scratch = await mkdtemp(path.join(tmpdir(), 'nexusflow-e2e-'));
  account = await server.signUp('Grace');
  await server.ctx.store.ledger.adjust(account.workspaceId, 'e2e', 'bonus', 5000);
  await signIn(page, server.url, account);
});
afterEach(async ({ task }) => {
  if (page !== undefined) await keepScreenshot(page, screenshotName('flow-editor', task.name)).catch(() => undefined);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function center(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (box === null) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags from an output handle to a node's input handle with the mouse, as a person does. */
async function connect(from: Locator, to: Locator): Promise<void> {
  const a = await center(from);
  const b = await center(to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

/** The canvas's nodes (not the run panel, whose test ids also start with "node-"). */
const canvasNodes = () => page.getByTestId('canvas').locator('[data-testid^="node-"]:not([data-testid^="node-run"])');

async function flowOnServer(flowId: string) {
  return (await server.ctx.store.flows.get(account.workspaceId, flowId))!.document;
}

describe('the flow editor in Chromium', () => {
  let flowId = '';

  it('builds a three-node flow by dragging from the palette, connecting ports and filling a form, then saves it', async () => {
    await page.getByTestId('flow-new').click();
    await page.getByTestId('flow-new-blank').click();
    await page.getByTestId('flow-workspace').waitFor();
    flowId = decodeURIComponent(page.url().split('/flows/')[1] ?? '');
    expect(flowId).not.toBe('');
    const canvas = page.getByTestId('canvas');
    const box = (await canvas.boundingBox())!;
    await page.getByTestId('palette-search').fill('reply');
    await page.getByTestId('palette-item-core/reply').dragTo(canvas, { targetPosition: { x: box.width * 0.45, y: box.height * 0.3 } });
    await page.getByTestId('palette-search').fill('set');
    await page.getByTestId('palette-item-core/set').dragTo(canvas, { targetPosition: { x: box.width * 0.45, y: box.height * 0.65 } });
    await page.getByTestId('palette-search').fill('');
    const nodes = canvasNodes();
    await expect.poll(() => nodes.count()).toBe(3);
    const ids = await nodes.evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')!.slice('node-'.length)));
    const trigger = ids.find((id) => id.startsWith('start') || id.startsWith('trigger'))!;
    const reply = ids.find((id) => id.includes('reply'))!;
    const set = ids.find((id) => id.includes('set'))!;
    await connect(page.getByTestId(`handle-out-${trigger}-out`), page.getByTestId(`handle-in-${set}`));
    await connect(page.getByTestId(`handle-out-${set}-out`), page.getByTestId(`handle-in-${reply}`));

    // Configure the reply through its form.
    await page.getByTestId(`node-${reply}`).click();
    const inspector = page.getByTestId('inspector');
    await inspector.getByLabel(/text/i).first().fill('Hello {{ vars.last }}!');
    // core/set needs at least one variable: add `last` through the form's free-map editor.
    await page.getByTestId(`node-${set}`).click();
    await inspector.getByRole('button', { name: /add/i }).first().click();
    await inspector.getByLabel(/key/i).first().fill('last');
    await inspector.getByLabel(/key/i).first().blur();
    await inspector.locator('input:not([id$="__key"]), textarea').last().fill('{{ $uppercase(message.text) }}');
    await expect.poll(() => page.getByTestId('flow-problems').textContent()).toBe('✓ valid');
    await page.getByTestId('flow-save').click();
    await expect.poll(() => page.getByTestId('flow-status').textContent(), { timeout: 10_000 }).toBe('Saved');
    const saved = await flowOnServer(flowId);
    expect(saved.nodes).toHaveLength(3);
    expect(saved.edges.map((e) => `${e.source}:${e.port}->${e.target}`).sort()).toEqual([`${set}:out->${reply}`, `${trigger}:out->${set}`].sort());
    expect(saved.nodes.find((n) => n.id === reply)?.config).toMatchObject({ text: 'Hello {{ vars.last }}!' });
    expect(saved.nodes.find((n) => n.id === set)?.config).toEqual({ vars: { last: '{{ $uppercase(message.text) }}' } });
  });

  it('chats in the test panel: the reply arrives and the running node lights up; a node shows its run', async () => {
    // Record every node that lights up while the session moves (steps are fast: watch, not sample).
    await page.evaluate(() => {
      const lit: string[] = [];
      (window as unknown as { __lit: string[] }).__lit = lit;
      new MutationObserver((changes) => {
        for (const change of changes) {
          const el = change.target as Element;
          if (el.getAttribute('data-active') === 'true') lit.push(el.getAttribute('data-testid') ?? '');
        }
      }).observe(document.body, { attributes: true, attributeFilter: ['data-active'], subtree: true, childList: true });
    });
    await page.getByTestId('chat-input').fill('world');
    await page.getByTestId('chat-send').click();
    await expect.poll(() => page.locator('[data-role="bot"]').last().textContent(), { timeout: 20_000 }).toBe('Hello WORLD!');
    const reply = (await canvasNodes().evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')!.slice(5)))).find((id) => id.includes('reply'))!;
    // The canvas highlight and the chat bubble are separate renders: on a busy machine the bubble can come first.
    await expect.poll(() => page.evaluate(() => (window as unknown as { __lit: string[] }).__lit), { timeout: 5_000 }).toContain(`node-${reply}`);
    await page.getByTestId(`node-${reply}`).click();
    await expect.poll(() => page.getByTestId('node-run-port').textContent()).toBe('out');
    expect(await page.getByTestId('node-run-input').textContent()).toContain('world');
  });

  it('validates live: a problem shows on its node and in the list, a click focuses its field; undo, copy and paste, arrange', async () => {
    const ids = await canvasNodes().evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')!.slice('node-'.length)));
    const reply = ids.find((id) => id.includes('reply'))!;
    const set = ids.find((id) => id.includes('set'))!;
    const trigger = ids.find((id) => id !== reply && id !== set)!;
    await page.getByTestId(`node-${reply}`).click();
    const text = page.getByTestId('inspector').getByLabel(/text/i).first();
    await text.fill('Hello {{ vars.last');
    await expect.poll(() => page.getByTestId(`node-${reply}`).getAttribute('data-problems')).toBe('1');
    expect(await page.getByTestId('flow-problems').textContent()).toBe('1 problem');
    expect(await page.getByTestId('problems-list').textContent()).toMatch(/never closed/);

    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await expect.poll(() => page.getByTestId('inspector').count()).toBe(0);
    await page.getByTestId('problem-0').click();
    await page.getByTestId('inspector').waitFor();
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).toBe('Hello {{ vars.last');

    await page.getByTestId('canvas-undo').click();
    await expect.poll(() => page.getByTestId('flow-problems').textContent()).toBe('✓ valid');
    expect(await page.getByTestId('inspector').getByLabel(/text/i).first().inputValue()).toBe('Hello {{ vars.last }}!');

    // Zoom to fit, then click the node's top-left corner (the minimap sits bottom-right).
    await page.getByTestId('canvas-fit').click();
    await page.getByTestId(`node-${set}`).click({ position: { x: 12, y: 8 } });
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await expect.poll(() => canvasNodes().count()).toBe(4);
    await page.keyboard.press('Control+z');
    await expect.poll(() => canvasNodes().count()).toBe(3);

    await page.getByTestId('canvas-layout').click();
    await expect
      .poll(async () => {
        const xs = await Promise.all([trigger, set, reply].map(async (id) => (await page.getByTestId(`node-${id}`).boundingBox())?.x ?? 0));
        return xs[0]! < xs[1]! && xs[1]! < xs[2]!;
      })
      .toBe(true);
  });

  it('exports the flow and re-imports the file to the same flow; a broken file lists its problems and changes nothing', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('flow-export').click();
    const file = path.join(scratch, 'exported.json');
    await (await download).saveAs(file);
    const exported = await readFile(file, 'utf8');
    expect(JSON.parse(exported).id).toBe(flowId);
    await page.getByTestId('flow-import-file').setInputFiles(file);
    await expect.poll(() => page.getByTestId('flow-status').textContent()).toMatch(/Imported/);
    await page.getByTestId('flow-save').click().catch(() => undefined);
    const again = page.waitForEvent('download');
    await page.getByTestId('flow-export').click();
    const second = path.join(scratch, 'exported-again.json');
    await (await again).saveAs(second);
    expect(await readFile(second, 'utf8')).toBe(exported);

    const broken = JSON.parse(exported);
    broken.edges[0].target = 'ghost';
    broken.nodes.push({ id: 'odd', type: 'core/nope', position: { x: 0, y: 0 }, config: {} });
    const brokenFile = path.join(scratch, 'broken.json');
    await writeFile(brokenFile, JSON.stringify(broken));
    const before = await canvasNodes().count();
    // Dropped on the canvas this time, as a person drags a file from their desktop.
    const dataTransfer = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'broken.json', { type: 'application/json' }));
      return transfer;
    }, await readFile(brokenFile, 'utf8'));
    await page.locator('.flow-canvas').dispatchEvent('dragover', { dataTransfer });
    await page.locator('.flow-canvas').dispatchEvent('drop', { dataTransfer });
    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('/edges/0/target');
    expect(await problems.textContent()).toContain('/nodes/3/type');
    expect(await canvasNodes().count()).toBe(before);
  });
});

describe('versions and deployment in Chromium', () => {
  it('publishes versions with notes, deploys one, makes another live and rolls back', async () => {
    const flowId = decodeURIComponent(page.url().split('/flows/')[1] ?? '');
    await page.getByTestId('flow-versions').click();
    const panel = page.getByTestId('versions-panel');
    await panel.getByTestId('publish-note').fill('first cut');
    await panel.getByTestId('publish-submit').click();
    await panel.getByTestId('version-1').waitFor();
    expect(await panel.getByTestId('version-1').textContent()).toContain('first cut');
    await panel.getByTestId('version-deploy-1').click();
    await expect.poll(() => panel.getByTestId('deployment-info').textContent()).toMatch(/on version v1/);

    // A second version, made live, then rolled back to the first.
    await panel.getByTestId('publish-note').fill('second');
    await panel.getByTestId('publish-submit').click();
    await panel.getByTestId('version-2').waitFor();
    await panel.getByTestId('version-deploy-2').click();
    await expect.poll(() => panel.getByTestId('deployment-info').textContent()).toMatch(/on version v2/);
    await panel.getByTestId('deployment-rollback').click();
    await expect.poll(() => panel.getByTestId('deployment-info').textContent()).toMatch(/on version v1/);

    const deployments = (await server.ctx.store.deployments.list(account.workspaceId)).filter((d) => d.flowId === flowId);
    expect(deployments).toHaveLength(1);
    const versions = await server.ctx.store.versions.list(account.workspaceId, flowId);
    expect(deployments[0]?.versionId).toBe(versions.find((v) => v.version === 1)?.id);
  });
});
