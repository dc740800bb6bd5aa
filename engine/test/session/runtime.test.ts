import { afterAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { compileFlowOrThrow } from '../../src/compile/compile-flow.js';
import { createRegistry } from '../../src/plugins/registry.js';
import { createSandboxPool } from '../../src/sandbox/index.js';
import { createSessionRuntime } from '../../src/session/runtime.js';
import { createMemorySessionStore } from '../../src/session/stores/memory-store.js';
import type { SessionRecord, SessionStore, TraceEvent } from '../../src/session/types.js';
import { createTestSession, fakeCapabilities } from '../../src/testing/index.js';
import { flow, inlinePlugin } from '../fixtures/plugins.js';

const sandbox = createSandboxPool({ size: 1 });
afterAll(() => sandbox.close());

const t = inlinePlugin('t', {
  say: {
    capabilities: ['channel'],
    config: { type: 'object', properties: { text: { type: 'string' } } },
    run: `async (input, ctx) => { await ctx.channel.send({ text: input.config.text }); return { port: 'out' }; }`,
  },
  count: { run: `(input) => ({ port: 'out', vars: { n: (input.vars.n ?? 0) + 1 }, output: { n: (input.vars.n ?? 0) + 1 } })` },
  fail: { run: `() => { throw new Error('boom'); }` },
  gate: {
    capabilities: ['kv'],
    run: `async (input, ctx) => { await ctx.kv.get('gate'); return { port: 'out', output: { seen: input.message.text } }; }`,
  },
  pollute: { run: `() => JSON.parse('{"port":"out","vars":{"__proto__":{"polluted":true}}}')` },
  broke: {
    capabilities: ['billing'],
    run: `async (input, ctx) => { await ctx.billing.check(5); return { port: 'out' }; }`,
  },
  snoop: {
    capabilities: ['kv'],
    run: `async (input, ctx) => { await ctx.kv.get('../B/x', { workspaceId: 'B' }); await ctx.kv.get('B:x'); return { port: 'out' }; }`,
  },
});

function session(doc: ReturnType<typeof flow>, options: Parameters<typeof createTestSession>[1] = {}) {
  return createTestSession(doc, { plugins: [t], sandbox, ...options });
}

describe('session runtime', () => {
  it('runs a turn from the trigger and ends the run at a port with no edge', async () => {
    const s = session(flow([['start', 'core/trigger'], ['hi', 't/say', { text: 'You said {{ message.text }}' }]], ['start.out->hi']));
    const turn = await s.send('hello');
    expect(turn.result).toEqual({ status: 'ended', turn: 1, steps: 2 });
    expect(turn.texts).toEqual(['You said hello']);
    expect((await s.send('again')).texts).toEqual(['You said again']);
  });

  it('parks at core/wait and continues from there with the next message', async () => {
    const s = session(
      flow(
        [
          ['start', 'core/trigger'],
          ['ask', 't/say', { text: 'Name?' }],
          ['wait', 'core/wait'],
          ['greet', 't/say', { text: 'Hi {{ message.text }}' }],
          ['stop', 'core/end'],
        ],
        ['start.out->ask', 'ask.out->wait', 'wait.out->greet', 'greet.out->stop'],
      ),
    );
    const first = await s.send('hello');
    expect(first.result).toEqual({ status: 'parked', turn: 1, steps: 2, parkedAt: 'wait' });
    expect(first.texts).toEqual(['Name?']);
    const second = await s.send('Ada');
    expect(second.result.status).toBe('ended');
    expect(second.texts).toEqual(['Hi Ada']);
    const record = (await s.store.load('test-workspace:alice')) as SessionRecord;
    expect(record).toMatchObject({ state: '$idle', status: 'idle', turn: 2 });
    expect((await s.send('back')).texts).toEqual(['Name?']);
  });

  it('routes a failed step through its error port with the error as the node output', async () => {
    const s = session(
      flow(
        [['start', 'core/trigger'], ['oops', 't/fail'], ['sorry', 't/say', { text: 'Sorry: {{ nodes.oops.output.error.message }}' }]],
        ['start.out->oops', 'oops.error->sorry'],
      ),
    );
    const turn = await s.send('x');
    expect(turn.result.status).toBe('ended');
    expect(turn.texts).toEqual(['Sorry: Error: boom']);
    expect(turn.trace.find((e) => e.type === 'node.error')).toMatchObject({ nodeId: 'oops', handled: true, error: { code: 'plugin_error' } });
  });

  it('fails the turn with a clear error when the error port is not wired, then starts over at the trigger', async () => {
    const s = session(flow([['start', 'core/trigger'], ['count', 't/count'], ['oops', 't/fail']], ['start.out->count', 'count.out->oops']));
    const turn = await s.send('x');
    expect(turn.result).toMatchObject({ status: 'failed', error: { code: 'plugin_error', message: expect.stringContaining('boom') } });
    expect(turn.trace.at(-1)).toMatchObject({ type: 'turn.ended', status: 'failed' });
    const again = await s.send('y');
    expect(again.result.status).toBe('failed');
    const record = (await s.store.load('test-workspace:alice')) as SessionRecord;
    expect(record.context.vars).toEqual({ n: 2 });
    expect(record.lastError?.code).toBe('plugin_error');
  });

  it('stops a runaway turn at the step budget and starts cleanly with the next message (F-02)', async () => {
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
    const nodes: Array<[string, string]> = [['start', 'core/trigger'], ...ids.map((id): [string, string] => [id, 't/count'])];
    const edges = ['start.out->c1', ...ids.slice(1).map((id, i) => `${ids[i]}.out->${id}`)];
    const s = session(flow(nodes, edges), { stepBudget: 5 });
    const turn = await s.send('go');
    expect(turn.result.error).toEqual({
      code: 'step_budget_exceeded',
      message: 'the turn stopped at node "c5" after 5 steps (the budget is 5 per turn); look for a loop that runs without waiting',
    });
    const record = (await s.store.load('test-workspace:alice')) as SessionRecord;
    expect(record.context.vars).toEqual({ n: 4 });
    expect(record).toMatchObject({ status: 'idle', state: '$idle' });
    expect((await s.send('again')).result.error?.code).toBe('step_budget_exceeded');
  });

  it('persists position and context after every step', async () => {
    const inner = createMemorySessionStore();
    const saved: Array<Pick<SessionRecord, 'state' | 'status' | 'step'> & { n: unknown }> = [];
    const store: SessionStore = {
      ...inner,
      save: async (record) => {
        saved.push({ state: record.state, status: record.status, step: record.step, n: record.context.vars['n'] });
        await inner.save(record);
      },
    };
    const s = session(flow([['start', 'core/trigger'], ['a', 't/count'], ['b', 't/count'], ['w', 'core/wait']], ['start.out->a', 'a.out->b', 'b.out->w']), {
      store,
    });
    await s.send('go');
    expect(saved).toEqual([
      { state: 'start', status: 'running', step: 0, n: undefined },
      { state: 'a', status: 'running', step: 1, n: undefined },
      { state: 'b', status: 'running', step: 2, n: 1 },
      { state: 'w', status: 'running', step: 3, n: 2 },
      { state: 'w', status: 'parked', step: 3, n: 2 },
    ]);
  });

  it('runs one session at a time in arrival order, and other sessions meanwhile', async () => {
    let open: () => void = () => {};
    let gate = new Promise<void>((resolve) => (open = resolve));
    const seen: string[] = [];
    const s = session(flow([['start', 'core/trigger'], ['g', 't/gate'], ['say', 't/say', { text: '{{ message.text }}' }]], ['start.out->g', 'g.out->say']), {
      capabilities: {
        kv: { get: () => gate },
        channel: { send: (m: unknown) => void seen.push((m as { text: string }).text) },
      },
    });
    const alice = ['a1', 'a2', 'a3', 'a4', 'a5'].map((text) => s.send(text, 'alice'));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
    // Bob's turn waits on the same gate; releasing it lets everyone through in order.
    const bob = s.send('b1', 'bob');
    open();
    gate = Promise.resolve();
    await Promise.all([...alice, bob]);
    expect(seen.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(seen).toContain('b1');
    expect(seen.indexOf('b1')).toBeLessThan(seen.indexOf('a5'));
  });

  it('emits a trace event for every step', async () => {
    const s = session(flow([['start', 'core/trigger'], ['a', 't/count'], ['w', 'core/wait']], ['start.out->a', 'a.out->w']));
    const { trace } = await s.send('go');
    expect(trace.map((e) => [e.type, 'nodeId' in e ? e.nodeId : '', 'port' in e ? e.port : ''])).toEqual([
      ['turn.started', '', ''],
      ['node.entered', 'start', ''],
      ['node.port', 'start', 'out'],
      ['node.entered', 'a', ''],
      ['node.port', 'a', 'out'],
      ['session.parked', 'w', ''],
      ['turn.ended', '', ''],
    ]);
    const port = trace.find((e): e is Extract<TraceEvent, { type: 'node.port' }> => e.type === 'node.port' && e.nodeId === 'a');
    expect(port?.output).toBe('{"n":1}');
    expect(port?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('takes the first branch whose condition holds, else the fallback port', async () => {
    const s = session(
      flow(
        [
          ['start', 'core/trigger'],
          [
            'route',
            'core/branch',
            { conditions: [{ port: 'num', when: '$contains(message.text, /^[0-9]+$/)' }, { port: 'big', when: '$length(message.text) > 3' }] },
          ],
          ['num', 't/say', { text: 'number' }],
          ['big', 't/say', { text: 'long' }],
          ['other', 't/say', { text: 'other' }],
        ],
        ['start.out->route', 'route.num->num', 'route.big->big', 'route.else->other'],
      ),
    );
    expect((await s.send('42')).texts).toEqual(['number']);
    expect((await s.send('hello')).texts).toEqual(['long']);
    expect((await s.send('hi')).texts).toEqual(['other']);
  });

  it('gives capabilities an idempotency key made of session, turn, step and node', async () => {
    const s = session(flow([['start', 'core/trigger'], ['hi', 't/say', { text: 'x' }]], ['start.out->hi']));
    await s.send('one');
    await s.send('two');
    expect(s.calls.map((c) => c.context.idempotencyKey)).toEqual(['test-workspace:alice/1/1/hi', 'test-workspace:alice/2/1/hi']);
  });

  it('refuses plugin vars that would reach a prototype (F-09)', async () => {
    const s = session(flow([['start', 'core/trigger'], ['p', 't/pollute']], ['start.out->p']));
    const turn = await s.send('x');
    expect(turn.result.error).toEqual({ code: 'invalid_output', message: 't/pollute: vars key "__proto__" is reserved; use another variable name' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('moves a parked session to the trigger when a republished flow drops its node (C-05)', async () => {
    const v1 = flow([['start', 'core/trigger'], ['w', 'core/wait'], ['a', 't/say', { text: 'v1' }]], ['start.out->w', 'w.out->a']);
    const v2 = flow([['start', 'core/trigger'], ['b', 't/say', { text: 'v2' }]], ['start.out->b']);
    const store = createMemorySessionStore();
    let current = v1;
    const trace: TraceEvent[] = [];
    const runtime = createSessionRuntime({
      registry: createRegistry({ plugins: [t] }),
      store,
      sandbox,
      capabilities: fakeCapabilities({ channel: { send: () => undefined } }),
      resolve: () => ({ workspaceId: 'w', flow: current }),
      trace: { emit: (e) => void trace.push(e) },
    });
    expect((await runtime.dispatch('w:1', { text: 'hi' })).status).toBe('parked');
    current = v2;
    expect(await runtime.dispatch('w:1', { text: 'hi' })).toMatchObject({ status: 'ended' });
    expect(trace.find((e) => e.type === 'session.notice')).toMatchObject({ message: expect.stringContaining('without node "w"') });
  });

  it('reports a damaged record as session_unrecoverable and keeps serving other sessions (C-04)', async () => {
    const store = createMemorySessionStore();
    const s = session(flow([['start', 'core/trigger'], ['hi', 't/say', { text: 'ok' }]], ['start.out->hi']), { store });
    await s.send('x', 'broken');
    await s.send('x', 'future');
    store.raw.set('test-workspace:broken', store.raw.get('test-workspace:broken')!.slice(0, 20));
    store.raw.set('test-workspace:future', JSON.stringify({ ...JSON.parse(store.raw.get('test-workspace:future')!), v: 99 }));
    expect((await s.send('x', 'broken')).result.error?.code).toBe('session_unrecoverable');
    expect((await s.send('x', 'future')).result.error?.message).toContain('reset it to start the conversation again');
    expect((await s.send('x', 'healthy')).texts).toEqual(['ok']);
    await s.runtime.reset('test-workspace:broken');
    expect((await s.send('x', 'broken')).texts).toEqual(['ok']);
  });

  it('stores a position that restores into the compiled XState machine', async () => {
    const doc = flow([['start', 'core/trigger'], ['w', 'core/wait'], ['a', 't/count']], ['start.out->w', 'w.out->a']);
    const s = session(doc);
    await s.send('x');
    const record = JSON.parse(JSON.stringify(await s.store.load('test-workspace:alice'))) as SessionRecord;
    const { machine } = compileFlowOrThrow(doc, createRegistry({ plugins: [t] }));
    const actor = createActor(machine, { snapshot: machine.resolveState({ value: record.state, context: {} }) }).start();
    expect(actor.getSnapshot().value).toBe('w');
    actor.send({ type: 'port.out' });
    expect(actor.getSnapshot().value).toBe('a');
    actor.stop();
  });

  it('refuses at run time a stored flow whose plugin was removed, and runs nothing of it (F-06)', async () => {
    const doc = flow([['start', 'core/trigger'], ['hi', 't/say', { text: 'x' }]], ['start.out->hi']);
    const runtime = createSessionRuntime({
      registry: createRegistry({ plugins: [] }),
      store: createMemorySessionStore(),
      sandbox,
      capabilities: fakeCapabilities({}),
      resolve: () => ({ workspaceId: 'w', flow: doc }),
    });
    await expect(runtime.dispatch('w:1', { text: 'x' })).rejects.toMatchObject({
      code: 'flow_invalid',
      message: expect.stringContaining('/nodes/1/type'),
    });
  });

  it('fails a step whose expression runs away, while the host keeps serving (F-12)', async () => {
    const s = session(
      flow(
        [
          ['start', 'core/trigger'],
          ['loop', 'core/branch', { conditions: [{ port: 'never', when: '($f := function($x){ $f($x + 1) }; $f(0))' }] }],
          ['fallback', 't/say', { text: 'recovered: {{ nodes.loop.output.error.code }}' }],
        ],
        ['start.out->loop', 'loop.error->fallback'],
      ),
    );
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    const turn = await s.send('x');
    clearInterval(ticker);
    expect(turn.texts).toEqual([expect.stringMatching(/^recovered: expression_(timeout|too_deep)$/)]);
    expect(turn.trace.find((e) => e.type === 'node.error')).toMatchObject({
      nodeId: 'loop',
      error: { pointer: '/nodes/1/config/conditions/0/when', message: expect.stringContaining('$f') },
    });
    expect(ticks).toBeGreaterThan(0);
    expect((await s.send('y', 'other')).result.status).toBe('ended');
  });

  it('scopes capability calls by the session workspace, whatever the plugin passes (S-11)', async () => {
    const s = session(flow([['start', 'core/trigger'], ['snoop', 't/snoop']], ['start.out->snoop']), {
      workspaceId: 'A',
      capabilities: { kv: { get: () => null } },
    });
    await s.send('x');
    expect(s.calls.map((c) => [c.args, c.context.workspaceId, c.context.plugin])).toEqual([
      [['../B/x', { workspaceId: 'B' }], 'A', 't'],
      [['B:x'], 'A', 't'],
    ]);
  });

  it('points at the template that failed to render', async () => {
    const s = session(flow([['start', 'core/trigger'], ['hi', 't/say', { text: 'Total: {{ $number(message.text) }}' }]], ['start.out->hi']));
    const turn = await s.send('not a number');
    expect(turn.result.error).toMatchObject({ code: 'expression_failed', pointer: '/nodes/1/config/text' });
    expect(turn.result.error?.message).toContain('$number(message.text)');
  });

  it('fails a step with the code of a capability error the plugin let through', async () => {
    const refuse = () => Promise.reject(Object.assign(new Error('this call needs up to 5 credits; the workspace has 0'), { code: 'insufficient_credits' }));
    const s = session(flow([['start', 'core/trigger'], ['b', 't/broke']], ['start.out->b']), { capabilities: { billing: { check: refuse } } });
    const turn = await s.send('x');
    expect(turn.result.error).toMatchObject({ code: 'insufficient_credits', message: expect.stringContaining('needs up to 5 credits') });
  });
});

