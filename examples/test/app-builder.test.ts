import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxPool, type CapabilityContext, type FlowDocument, type LoadedPlugin } from '@nexusflow/engine';
import { createTestSession } from '@nexusflow/engine/testing';
import { createDeployCapability, createMemoryDeployTarget, loadCorePlugin } from '@nexusflow/nodes';

/**
 * examples/flows/app-builder.flow.json with the engine's test session: a fake model answering the
 * app as JSON, and the real deploy capability (its checks) over a recording target. The same flow
 * runs end to end on a real server, with both hosting targets, in server/test/app-builder.test.ts.
 */

const sandbox = createSandboxPool({ size: 1 });
let core: LoadedPlugin;
let flow: FlowDocument;

beforeAll(async () => {
  core = await loadCorePlugin();
  flow = JSON.parse(await readFile(new URL('../flows/app-builder.flow.json', import.meta.url), 'utf8')) as FlowDocument;
});
afterAll(() => sandbox.close());

/** A session whose model answers `answer` (as JSON text) to every request. */
function builder(answer: unknown) {
  const target = createMemoryDeployTarget();
  const deploy = createDeployCapability({ target });
  const requests: { json?: unknown; messages: { role: string; content: string }[] }[] = [];
  const session = createTestSession(flow, {
    plugins: [core],
    sandbox,
    capabilities: {
      llm: {
        chat: (request: unknown) => {
          requests.push(request as (typeof requests)[number]);
          return { text: JSON.stringify(answer), json: answer, usage: { inputTokens: 10, outputTokens: 20 } };
        },
      },
      memory: { history: () => [], append: () => undefined },
      deploy: { publish: (request: unknown, context: unknown) => deploy('publish', [request], context as CapabilityContext) },
    },
  });
  return { session, target, requests };
}

describe('examples/flows/app-builder', () => {
  it('asks the model for the files as JSON, publishes them locally, and replies with the URL', async () => {
    const files = [
      { path: 'index.html', content: '<h1>Timer</h1><script src="app.js"></script>' },
      { path: 'app.js', content: 'let s = 0; setInterval(() => s++, 1000);' },
    ];
    const { session, target, requests } = builder({ name: 'pomodoro', summary: 'A pomodoro timer.', files });
    const turn = await session.send('A pomodoro timer with a start button');
    expect(turn.texts.at(-1)).toBe('A pomodoro timer. It is live at https://pomodoro.sites.test/ (version 1).');
    expect(requests[0]?.json).toMatchObject({ required: ['name', 'summary', 'files'] });
    expect(requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'A pomodoro timer with a start button' });
    expect(target.published.map((p) => ({ name: p.name, target: p.target, files: p.files }))).toEqual([{ name: 'pomodoro', target: 'local', files }]);
  });

  it('a file path that leaves the site is refused, and the reply says why in a plain sentence', async () => {
    const { session, target } = builder({ name: 'escape', summary: 'x', files: [{ path: '/etc/passwd', content: 'x' }] });
    const turn = await session.send('anything');
    expect(turn.texts.at(-1)).toBe('The app was written but could not be published: files[0].path "/etc/passwd" is absolute; use a relative path such as index.html');
    expect(target.published).toEqual([]);
  });
});
