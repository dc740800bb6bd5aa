/**
 * The editor part of `npm run bench`: with a 500-node flow open in Debian's Chromium, the time to
 * first render and the frame times while panning and while dragging a node; the same with a
 * 50-node flow, and the ratios of the two, which compare across machines where milliseconds do not.
 *
 * The real server (in this process, SQLite in a temp dir) serves the built editor (editor/dist).
 * Run: node --no-node-snapshot --import tsx editor/bench/canvas.bench.ts
 * Progress goes to stderr, figures to stdout. Exits non-zero only when something breaks.
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { median, report } from '@nexusflow/engine/testing';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { launch } from '../e2e/browser.js';
import { benchFlow } from './bench-flow.js';
import { frameFigures, mainThreadSince, mainThreadTime, type FrameFigures, type FrameRecording } from './frames.js';
import * as probe from './page-probes.js';

const EDITOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = [50, 500] as const;
const LOADS = 5;
const VIEWPORT = { width: 1600, height: 1000 };
/** Mouse moves per gesture, spread over GESTURE_MS (slower if the page cannot keep up). */
const GESTURE_MOVES = 60;
const GESTURE_MS = 2000;
const IDLE_MS = 1000;
const LOAD_TIMEOUT_MS = 60_000;

type Account = Awaited<ReturnType<TestServer['signUp']>>;
type Point = { x: number; y: number };

interface RenderFigures {
  first_node_ms: number;
  all_nodes_ms: number;
  ready_ms: number;
  painted_ms: number;
  painted_min_ms: number;
  cold_painted_ms: number;
}

interface GestureFigures extends FrameFigures {
  /** Wall time per mouse move of the gesture, in ms. */
  move_ms: number;
}

interface SizeFigures {
  render: RenderFigures;
  idle: FrameFigures;
  pan: GestureFigures;
  drag: GestureFigures;
}

const progress = (line: string) => void process.stderr.write(`editor bench: ${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The server serves editor/dist; `npm run bench` builds it with turbo, a lone run builds it here. */
async function ensureEditorBuilt(): Promise<void> {
  const index = path.join(EDITOR, 'dist/index.html');
  if (existsSync(index)) {
    progress(`using the editor built at ${statSync(index).mtime.toISOString()} (editor/dist)`);
    return;
  }
  progress('building the editor (vite build)');
  const { build } = await import('vite');
  await build({ root: EDITOR, configFile: path.join(EDITOR, 'vite.config.ts'), logLevel: 'warn' });
}

/** Creates the bench flow through the REST API, as the editor's import does. */
async function createFlow(server: TestServer, account: Account, size: number): Promise<string> {
  const document = benchFlow(size);
  const res = await server.request('POST', `/api/v1/workspaces/${account.workspaceId}/flows`, { token: account.token, body: { document } });
  if (res.status !== 201) throw new Error(`the ${size}-node flow was refused (${res.status}):\n${JSON.stringify(res.body, null, 2)}`);
  progress(`${size} nodes: flow "${document.id}" created (${document.nodes.length} nodes, ${document.edges.length} edges)`);
  return document.id;
}

/** A browser context signed in as `account`, stamping render marks on every flow page. */
async function benchContext(browser: Browser, serverUrl: string, account: Account, size: number): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(probe.NAME_SHIM);
  await context.addInitScript(
    ({ token, origin }) => {
      if (location.origin === origin) localStorage.setItem('nexusflow.token', token);
    },
    { token: account.token, origin: new URL(serverUrl).origin },
  );
  await context.addInitScript(probe.watchFirstRender, size);
  return context;
}

/** Navigates (goto or reload) and waits for the flow to be painted; answers the page's marks. */
async function timedLoad(page: Page, navigate: () => Promise<unknown>): Promise<Required<probe.RenderMarks>> {
  await navigate();
  const handle = await page.waitForFunction(probe.readMarks, undefined, { timeout: LOAD_TIMEOUT_MS, polling: 50 }).catch(async (error: unknown) => {
    throw new Error(`the canvas did not get ready: ${String(error)}\n${await diagnose(page)}`);
  });
  const marks = (await handle.jsonValue()) as probe.RenderMarks;
  // `readMarks` answers only once painted, and the first node is stamped no later than `ready`;
  // every node shown may never come (a canvas that renders only the nodes in view): NaN then.
  const ready = marks.ready!;
  return { firstNode: marks.firstNode ?? ready, allNodes: marks.allNodes ?? Number.NaN, ready, readyPainted: marks.readyPainted! };
}

/** What the page shows, for a failure message; a screenshot goes to the temp dir. */
async function diagnose(page: Page): Promise<string> {
  const file = path.join(tmpdir(), `nexusflow-editor-bench-${Date.now()}.png`);
  const shot = await page.screenshot({ path: file }).then(
    () => `screenshot: ${file}`,
    () => 'no screenshot',
  );
  const state = await page
    .evaluate(() => ({
      url: location.href,
      canvas: document.querySelector('[data-testid="canvas"]')?.getAttribute('data-ready') ?? 'no [data-testid="canvas"]',
      nodes: document.querySelectorAll('.react-flow__node').length,
      text: document.body.innerText.slice(0, 400),
    }))
    .catch((error: unknown) => String(error));
  return `${JSON.stringify(state, null, 2)}\n${shot}`;
}

async function measureFirstRender(page: Page, flowUrl: string, size: number): Promise<RenderFigures> {
  // The first load is cold (empty HTTP cache, nothing compiled): reported alone, not in the median.
  const cold = await timedLoad(page, () => page.goto(flowUrl));
  const loads: Required<probe.RenderMarks>[] = [];
  for (let i = 0; i < LOADS; i += 1) loads.push(await timedLoad(page, () => page.reload()));
  const shown = await page.evaluate(() => document.querySelectorAll('.react-flow__node').length);
  const problems = await page.getByTestId('flow-problems').textContent({ timeout: 2000 }).catch(() => 'n/a');
  progress(`${size} nodes: first render measured (1 cold + ${LOADS} reloads; ${shown} nodes in the DOM; editor says "${problems}")`);
  const of = (key: keyof probe.RenderMarks) => loads.map((l) => l[key]);
  return {
    first_node_ms: median(of('firstNode')),
    all_nodes_ms: median(of('allNodes')),
    ready_ms: median(of('ready')),
    painted_ms: median(of('readyPainted')),
    painted_min_ms: Math.min(...of('readyPainted')),
    cold_painted_ms: cold.readyPainted,
  };
}

/** Frames and main-thread time while `act` runs, plus the frames that finish its last change. */
async function recordFrames<T>(page: Page, cdp: CDPSession, act: () => Promise<T>): Promise<{ recording: FrameRecording; result: T }> {
  await page.evaluate(probe.startFrameRecorder);
  const before = await mainThreadTime(cdp);
  const start = performance.now();
  const result = await act();
  await sleep(100);
  const mainThread = mainThreadSince(before, await mainThreadTime(cdp));
  const wallMs = performance.now() - start;
  return { recording: { deltas: await page.evaluate(probe.stopFrameRecorder), wallMs, mainThread }, result };
}

/**
 * Presses at `from`, moves along `offset(t)` for t in (0, 1] at a steady pace, releases; answers
 * the ms per move. Each move returns once the page has handled it, so a slow page slows the pace.
 */
async function mouseGesture(page: Page, from: Point, offset: (t: number) => Point): Promise<number> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  const start = performance.now();
  for (let i = 1; i <= GESTURE_MOVES; i += 1) {
    const wait = start + (i * GESTURE_MS) / GESTURE_MOVES - performance.now();
    if (wait > 0) await sleep(wait);
    const d = offset(i / GESTURE_MOVES);
    await page.mouse.move(from.x + d.x, from.y + d.y);
  }
  const perMove = (performance.now() - start) / GESTURE_MOVES;
  await page.mouse.up();
  return perMove;
}

/** Frame figures of a gesture, with its pace: ms per mouse move (GESTURE_MS / GESTURE_MOVES at best). */
async function measureGesture(page: Page, cdp: CDPSession, from: Point, offset: (t: number) => Point): Promise<GestureFigures> {
  const { recording, result: moveMs } = await recordFrames(page, cdp, () => mouseGesture(page, from, offset));
  return { ...frameFigures(recording), move_ms: moveMs };
}

async function measurePan(page: Page, cdp: CDPSession): Promise<GestureFigures> {
  const from = await page.evaluate(probe.emptyPanePoint);
  if (from === undefined) throw new Error(`no bare spot of the pane to pan from\n${await diagnose(page)}`);
  const before = await page.evaluate(probe.viewportTransform);
  // Right and back down in a wave: ends 300 px right, 100 px down.
  const figures = await measureGesture(page, cdp, from, (t) => ({ x: 300 * t, y: 100 * t + 80 * Math.sin(t * 2 * Math.PI) }));
  if ((await page.evaluate(probe.viewportTransform)) === before) throw new Error(`panning did not move the viewport\n${await diagnose(page)}`);
  return figures;
}

async function measureNodeDrag(page: Page, cdp: CDPSession): Promise<GestureFigures> {
  const node = await page.evaluate(probe.draggableNodePoint);
  if (node === undefined) throw new Error(`no uncovered node on screen to drag\n${await diagnose(page)}`);
  const before = await page.evaluate(probe.nodeTransform, node.id);
  const figures = await measureGesture(page, cdp, node, (t) => ({ x: 240 * t, y: 90 * Math.sin(t * 2 * Math.PI) + 40 * t }));
  if ((await page.evaluate(probe.nodeTransform, node.id)) === before) throw new Error(`dragging did not move node "${node.id}"\n${await diagnose(page)}`);
  return figures;
}

/** Every figure for one flow size, in a fresh signed-in context. */
async function benchSize(browser: Browser, serverUrl: string, account: Account, size: number, flowId: string): Promise<SizeFigures> {
  const context = await benchContext(browser, serverUrl, account, size);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    const render = await measureFirstRender(page, `${serverUrl}/#/w/${encodeURIComponent(account.workspaceId)}/flows/${encodeURIComponent(flowId)}`, size);
    await sleep(500); // let the opening fit-view animation end
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    // Frames with nothing to do: the machine's own cadence, for reading the gestures' figures.
    const idle = frameFigures((await recordFrames(page, cdp, () => sleep(IDLE_MS))).recording);
    const pan = await measurePan(page, cdp);
    progress(`${size} nodes: panned (${pan.frames} frames, ${pan.move_ms.toFixed(0)} ms per mouse move)`);
    await sleep(300);
    const drag = await measureNodeDrag(page, cdp);
    progress(`${size} nodes: dragged a node (${drag.frames} frames, ${drag.move_ms.toFixed(0)} ms per mouse move)`);
    if (errors.length > 0) progress(`${size} nodes: the page reported errors: ${errors.join(' | ')}`);
    return { render, idle, pan, drag };
  } finally {
    await context.close();
  }
}

function printFigures(figures: Map<number, SizeFigures>): void {
  for (const [size, f] of figures) {
    report(`editor: ${size} nodes, first render`, { ...f.render });
    report(`editor: ${size} nodes, idle frames`, { ...f.idle });
    report(`editor: ${size} nodes, panning`, { ...f.pan });
    report(`editor: ${size} nodes, dragging a node`, { ...f.drag });
  }
  const small = figures.get(SIZES[0])!;
  const large = figures.get(SIZES[1])!;
  const extraNodes = SIZES[1] - SIZES[0];
  report(`editor: ${SIZES[1]} vs ${SIZES[0]} nodes (ratio)`, {
    first_render: large.render.painted_ms / small.render.painted_ms,
    pan_p95: large.pan.p95_ms / small.pan.p95_ms,
    drag_p95: large.drag.p95_ms / small.drag.p95_ms,
    pan_move: large.pan.move_ms / small.pan.move_ms,
    drag_move: large.drag.move_ms / small.drag.move_ms,
  });
  report('editor: cost per extra node', { first_render_ms: (large.render.painted_ms - small.render.painted_ms) / extraNodes });
}

async function main(): Promise<void> {
  await ensureEditorBuilt();
  progress('starting the server');
  const server = await startTestServer({ RATE_LIMIT_PER_MINUTE: '1000000' });
  let browser: Browser | undefined;
  const cleanUp = async () => {
    await browser?.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
  };
  const onSignal = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const account = await server.signUp('Bench');
    const flows = new Map<number, string>();
    for (const size of SIZES) flows.set(size, await createFlow(server, account, size));
    browser = await launch();
    console.log(`Nexus Flow editor benchmarks (built editor in Chromium ${browser.version()}, headless, ${VIEWPORT.width}x${VIEWPORT.height})`);
    const figures = new Map<number, SizeFigures>();
    for (const size of SIZES) figures.set(size, await benchSize(browser, server.url, account, size, flows.get(size)!));
    printFigures(figures);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
