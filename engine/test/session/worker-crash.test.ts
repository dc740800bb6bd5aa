import { afterAll, describe, expect, it } from 'vitest';
import { createSandboxPool } from '../../src/sandbox/index.js';
import { createTestSession } from '../../src/testing/index.js';
import { flow, inlinePlugin } from '../fixtures/plugins.js';

// The abort hook exists only in pools created with testHooks: true (S-05).
const sandbox = createSandboxPool({ size: 1, testHooks: true });
afterAll(() => sandbox.close());

const plugin = inlinePlugin('crashy', {
  work: {
    capabilities: ['kv'],
    run: `async (input, ctx) => { if ((await ctx.kv.get('mode')) === 'abort') await ctx.test.abort(); return { port: 'out', output: { survived: true } }; }`,
  },
  say: {
    capabilities: ['channel'],
    config: { type: 'object', properties: { text: { type: 'string' } } },
    run: `async (input, ctx) => { await ctx.channel.send({ text: input.config.text }); return { port: 'out' }; }`,
  },
});

// No manifest may declare the test hook; this fixture adds it after validation, on purpose.
(plugin.manifest.nodes[0]!.capabilities as string[]).push('test');

const crashFlow = flow(
  [
    ['start', 'core/trigger'],
    ['work', 'crashy/work'],
    ['ok', 'crashy/say', { text: 'survived' }],
    ['oops', 'crashy/say', { text: 'failed: {{ nodes.work.output.error.code }}' }],
  ],
  ['start.out->work', 'work.out->ok', 'work.error->oops'],
);

describe('a sandbox worker dying mid-step (S-05, C-10)', () => {
  it('retries the step once on a fresh worker, and the turn goes on', async () => {
    const modes = ['abort', 'ok'];
    const s = createTestSession(crashFlow, { plugins: [plugin], sandbox, capabilities: { kv: { get: () => modes.shift() ?? 'ok' } } });
    const pidsBefore = sandbox.workerPids();
    const turn = await s.send('go');
    expect(turn.texts).toEqual(['survived']);
    expect(sandbox.workerPids()).not.toEqual(pidsBefore);
    expect(sandbox.stats().workerCrashes).toBeGreaterThanOrEqual(1);
  });

  it('sends the step through its error port when the retry dies too, and the host lives on', async () => {
    const s = createTestSession(crashFlow, { plugins: [plugin], sandbox, capabilities: { kv: { get: () => 'abort' } } });
    const turn = await s.send('go');
    expect(turn.texts).toEqual(['failed: sandbox_crashed']);
    expect((await s.send('again', 'bob')).result.status).toBe('ended');
  });
});
