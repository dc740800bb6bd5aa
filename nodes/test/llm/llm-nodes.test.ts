import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDocument, LlmMessage, LoadedPlugin } from '@nexusflow/engine';
import { createTestSession, runNode, type FakeCapabilities } from '@nexusflow/engine/testing';
import { loadCorePlugin } from '../../src/index.js';
import { costOf, countTokens, createBillingCapability, holdFor } from '../../src/providers/credits/index.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../src/testing/index.js';
import { FEE, harness, RATE, type Harness } from './helpers.js';

let core: LoadedPlugin;
let server: FakeLlmServer;
beforeAll(async () => {
  core = await loadCorePlugin();
  server = await startFakeLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

function flowWith(config: Record<string, unknown>): FlowDocument {
  return {
    format: 'nexusflow/flow@1',
    id: 'llm-flow',
    name: 'LLM flow',
    nodes: [
      { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
      { id: 'ai', type: 'core/llm', position: { x: 200, y: 0 }, config },
    ],
    edges: [{ id: 'e1', source: 'start', port: 'out', target: 'ai' }],
  } as FlowDocument;
}

/** Routes ctx.llm to the real capability (host side, real SDK, fake server) and fakes memory. */
function capabilities(h: Harness, history: LlmMessage[] = []): FakeCapabilities {
  return {
    llm: { chat: (request: unknown, context: unknown) => h.llm('chat', [request], context as never) },
    memory: {
      history: () => history,
      append: (messages: unknown) => void history.push(...(messages as LlmMessage[])),
    },
  };
}

async function funded(credits: number) {
  const h = harness(server);
  await h.ledger.adjust('test-workspace', 'topup', 'purchase', credits);
  return h;
}

describe('core/llm in a real isolate', () => {
  it('answers the message with the rendered system prompt, sends it and charges the exact cost', async () => {
    const h = await funded(1000);
    const reply = 'Bonjour Ada!';
    server.script(reply);
    const session = createTestSession(flowWith({ provider: 'openai', model: 'test-gpt', system: 'Greet {{ contact.id }} in French.' }), {
      plugins: [core],
      capabilities: capabilities(h),
    });
    const turn = await session.send('hello');
    expect(turn.result.status).toBe('ended');
    expect(turn.texts).toEqual([reply]);
    const sent = server.requests[0]!.body['messages'];
    expect(sent).toEqual([
      { role: 'system', content: 'Greet alice in French.' },
      { role: 'user', content: 'hello' },
    ]);
    const cost = costOf(RATE, FEE, server.countTokens('Greet alice in French.') + server.countTokens('hello'), server.countTokens(reply));
    expect(await h.ledger.balance('test-workspace')).toEqual({ balance: 1000 - cost, available: 1000 - cost });
    const port = turn.trace.find((e) => e.type === 'node.port' && e.nodeId === 'ai');
    expect(port).toBeDefined();
    await session.close();
  });

  it.each(['openai', 'anthropic'])('streams through the host channel (%s) and does not send it twice', async (provider) => {
    const h = await funded(1000);
    const reply = 'Streaming, token by token, straight to the channel.';
    server.script(reply);
    const session = createTestSession(flowWith({ provider, model: provider === 'anthropic' ? 'test-claude' : 'test-gpt', stream: true }), {
      plugins: [core],
      capabilities: capabilities(h),
    });
    const turn = await session.send('go');
    expect(turn.result.status).toBe('ended');
    expect(turn.texts).toEqual([]); // not sent by the node
    expect(h.deltas.join('')).toBe(reply);
    expect(h.delivered.map((d) => [d.message.text, d.streamed])).toEqual([[reply, true]]);
    await session.close();
  });

  it('uses and extends the memory, and returns text, json and usage as output', async () => {
    const h = await funded(1000);
    const history: LlmMessage[] = [
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Nice to meet you, Ada.' },
    ];
    server.script('{"name":"Ada"}');
    const channelSends: unknown[] = [];
    const result = await runNode({
      plugin: core,
      type: 'core/llm',
      config: { model: 'test-gpt', memory: { maxTokens: 500 }, json: { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
      message: { text: 'What is my name?' },
      workspaceId: 'test-workspace',
      capabilities: { ...capabilities(h, history), channel: { send: (message: unknown) => void channelSends.push(message) } },
    });
    expect(result.output).toMatchObject({ text: '{"name":"Ada"}', json: { name: 'Ada' }, usage: { estimated: false } });
    // A JSON answer is the node's output for later nodes, not a message to the person.
    expect(channelSends).toEqual([]);
    const sent = server.requests[0]!.body['messages'] as LlmMessage[];
    expect(sent.slice(1)).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Nice to meet you, Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect(history.slice(2)).toEqual([
      { role: 'user', content: 'What is my name?' },
      { role: 'assistant', content: '{"name":"Ada"}' },
    ]);
  });

  it('fails the step with the capability error code in its message', async () => {
    const h = await funded(1000);
    server.script({ status: 401 });
    await expect(
      runNode({ plugin: core, type: 'core/llm', config: { model: 'test-gpt' }, message: { text: 'hi' }, workspaceId: 'test-workspace', capabilities: capabilities(h) }),
    ).rejects.toThrow(/llm_auth: the openai API key was refused \(401\); check the connection's key/);
  });

  it('refuses a config without a model', async () => {
    await expect(runNode({ plugin: core, type: 'core/llm', config: {} })).rejects.toMatchObject({ code: 'flow_invalid' });
  });

  it('charges at most 10 of 50 concurrent steps against a balance that covers 10 (B-01 shape)', async () => {
    const h = harness(server);
    const messages: LlmMessage[] = [{ role: 'user', content: 'hello' }];
    const hold = holdFor({ rate: RATE, feePercent: FEE, inputTokens: countTokens(messages), maxTokens: 100 });
    await h.ledger.adjust('test-workspace', 'topup', 'purchase', hold * 10);
    let refused = 0;
    let release!: () => void;
    const allRefused = new Promise<void>((resolve) => (release = resolve));
    // Replies wait until the 40 refused steps are done, so no settled credit can be reused meanwhile.
    server.script(async () => {
      await Promise.race([allRefused, new Promise((r) => setTimeout(r, 5000))]);
      return 'ok';
    });
    const session = createTestSession(flowWith({ model: 'test-gpt', maxTokens: 100 }), { plugins: [core], capabilities: capabilities(h) });
    const turns = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        session.send('hello', `contact-${i}`).then((turn) => {
          if (turn.result.status === 'failed') refused += 1;
          if (refused === 40) release();
          return turn;
        }),
      ),
    );
    const ok = turns.filter((t) => t.result.status === 'ended');
    const failed = turns.filter((t) => t.result.status === 'failed');
    expect(ok).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const t of failed) expect(t.result.error?.message).toContain('insufficient_credits');
    const usage = (await h.ledger.entries('test-workspace')).filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(10);
    const { balance, available } = await h.ledger.balance('test-workspace');
    expect(balance).toBeGreaterThanOrEqual(0);
    expect(available).toBe(balance);
    expect(balance).toBe(hold * 10 + usage.reduce((s, e) => s + e.amount, 0));
    expect(server.requests).toHaveLength(10);
    await session.close();
  });
});

describe('core/billing-check', () => {
  function billing(h: Harness): FakeCapabilities {
    const handler = createBillingCapability({ ledger: h.ledger, rates: h.rates });
    return {
      billing: {
        balance: (context: unknown) => handler('balance', [], context as never),
        check: (credits: unknown, context: unknown) => handler('check', [credits], context as never),
        estimate: (request: unknown, context: unknown) => handler('estimate', [request], context as never),
      },
    };
  }

  it('routes on a credit minimum', async () => {
    const h = await funded(50);
    expect((await runNode({ plugin: core, type: 'core/billing-check', config: { minCredits: 50 }, workspaceId: 'test-workspace', capabilities: billing(h) })).port).toBe('ok');
    expect((await runNode({ plugin: core, type: 'core/billing-check', config: { minCredits: 51 }, workspaceId: 'test-workspace', capabilities: billing(h) })).port).toBe('insufficient');
  });

  it('routes on the worst case of one model call, as llm.chat would hold it', async () => {
    const h = await funded(10);
    const need = holdFor({ rate: RATE, feePercent: FEE, inputTokens: countTokens([{ role: 'user', content: 'hi' }]), maxTokens: 500 });
    const run = (maxTokens: number) =>
      runNode({ plugin: core, type: 'core/billing-check', config: { provider: 'openai', model: 'test-gpt', maxTokens }, message: { text: 'hi' }, workspaceId: 'test-workspace', capabilities: billing(h) });
    const result = await run(500);
    expect(result).toEqual({ port: need <= 10 ? 'ok' : 'insufficient', output: { available: 10, needed: need } });
    expect((await run(100)).port).toBe('ok');
    expect((await run(5000)).port).toBe('insufficient');
  });

  it('needs minCredits or a model', async () => {
    await expect(runNode({ plugin: core, type: 'core/billing-check', config: {} })).rejects.toMatchObject({ code: 'flow_invalid' });
  });
});
