import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costOf, countTokens, holdFor, maxTokensWithin } from '../../src/providers/credits/index.js';
import { extractJson } from '../../src/providers/llm/index.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../src/testing/index.js';
import { context, expectedCost, FEE, harness, RATE, userMessage } from './helpers.js';

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const SYSTEM = 'You are terse.';
const ask = (provider: string, extra: Record<string, unknown> = {}) => ({
  provider,
  model: provider === 'anthropic' ? 'test-claude' : 'test-gpt',
  messages: [{ role: 'system', content: SYSTEM }, userMessage('What is the capital of France?')],
  maxTokens: 200,
  ...extra,
});

async function funded(h: ReturnType<typeof harness>, credits = 1000) {
  await h.ledger.adjust('ws', `topup-${credits}`, 'purchase', credits);
  return h;
}

describe.each(['openai', 'anthropic'] as const)('llm.chat with %s', (provider) => {
  it('answers, and charges exactly the cost of the reported usage', async () => {
    const h = await funded(harness(server));
    const reply = 'Paris is the capital of France.';
    server.script(reply);
    const result = (await h.llm('chat', [ask(provider)], context())) as { text: string; usage: { inputTokens: number; outputTokens: number; estimated: boolean }; credits: number };
    expect(result.text).toBe(reply);
    const cost = expectedCost(server, [SYSTEM, 'What is the capital of France?'], reply);
    expect(result.usage).toEqual({
      inputTokens: server.countTokens(SYSTEM) + server.countTokens('What is the capital of France?'),
      outputTokens: server.countTokens(reply),
      estimated: false,
    });
    expect(result.credits).toBe(cost);
    expect(await h.ledger.balance('ws')).toEqual({ balance: 1000 - cost, available: 1000 - cost });
    const usage = (await h.ledger.entries('ws')).filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ amount: -cost, key: 'ws:alice/1/0/llm/llm/0' });
    expect(usage[0]?.meta).toMatchObject({ provider, model: provider === 'anthropic' ? 'test-claude' : 'test-gpt', estimated: false });
    // The request carried max_tokens within the hold, and system went where the API wants it.
    const body = server.requests[0]!.body;
    const inputEstimate = countTokens(ask(provider).messages as never);
    const hold = holdFor({ rate: RATE, feePercent: FEE, inputTokens: inputEstimate, maxTokens: 200 });
    expect(body['max_tokens']).toBe(maxTokensWithin({ rate: RATE, feePercent: FEE, inputTokens: inputEstimate, hold, limit: 200 }));
    if (provider === 'anthropic') expect(body['system']).toBe(SYSTEM);
    else expect((body['messages'] as { role: string }[])[0]?.role).toBe('system');
  });

  it('streams deltas to the channel host-side and delivers the full text once', async () => {
    const h = await funded(harness(server));
    const reply = 'Paris, on the Seine, is the capital of France.';
    server.script(reply);
    const result = (await h.llm('chat', [ask(provider, { stream: true })], context())) as { text: string; streamed: boolean; credits: number; usage: { estimated: boolean } };
    expect(result).toMatchObject({ text: reply, streamed: true, usage: { estimated: false } });
    expect(h.deltas.length).toBeGreaterThan(3);
    expect(h.deltas.join('')).toBe(reply);
    expect(h.delivered.map((d) => [d.key, d.message.text, d.streamed])).toEqual([['ws:alice/1/0/llm/stream/0', reply, true]]);
    expect(result.credits).toBe(expectedCost(server, [SYSTEM, 'What is the capital of France?'], reply));
    if (provider === 'openai') expect(server.requests[0]!.body['stream_options']).toEqual({ include_usage: true });
  });

  it('maps a refused key (401) to llm_auth and releases the hold', async () => {
    const h = await funded(harness(server));
    server.script({ status: 401, errorMessage: 'Incorrect API key provided' });
    await expect(h.llm('chat', [ask(provider)], context())).rejects.toMatchObject({
      code: 'llm_auth',
      message: `the ${provider} API key was refused (401); check the connection's key`,
    });
    expect(await h.ledger.balance('ws')).toEqual({ balance: 1000, available: 1000 });
  });

  it('maps 429 to llm_rate_limited with the retry-after', async () => {
    const h = await funded(harness(server));
    server.script({ status: 429, retryAfter: 7 });
    await expect(h.llm('chat', [ask(provider)], context())).rejects.toMatchObject({
      code: 'llm_rate_limited',
      message: `${provider} is rate limiting this key (429); retry after 7 s`,
      retryAfterSeconds: 7,
    });
    expect(await h.ledger.balance('ws')).toEqual({ balance: 1000, available: 1000 });
  });

  it('retries a 429 through the SDK when the connection allows, charging once', async () => {
    const h = await funded(harness(server, { maxRetries: 1 }));
    server.script({ status: 429, retryAfter: 0 }, 'ok then');
    const result = (await h.llm('chat', [ask(provider)], context())) as { text: string };
    expect(result.text).toBe('ok then');
    expect(server.requests).toHaveLength(2);
    expect((await h.ledger.entries('ws')).filter((e) => e.kind === 'usage')).toHaveLength(1);
  });

  it('maps 500 to llm_server_error and releases the hold', async () => {
    const h = await funded(harness(server));
    server.script({ status: 500, errorMessage: 'boom' });
    await expect(h.llm('chat', [ask(provider)], context())).rejects.toMatchObject({ code: 'llm_server_error' });
    expect(await h.ledger.balance('ws')).toEqual({ balance: 1000, available: 1000 });
  });

  it.each([false, true])('maps a first token slower than timeoutMs to llm_timeout (stream %s)', async (stream) => {
    const h = await funded(harness(server, { timeoutMs: 150 }));
    server.script({ text: 'late', delayFirstTokenMs: 3000 });
    await expect(h.llm('chat', [ask(provider, { stream })], context())).rejects.toMatchObject({
      code: 'llm_timeout',
      message: `${provider} did not answer within 150 ms (the connection's timeoutMs)`,
    });
    expect(await h.ledger.balance('ws')).toEqual({ balance: 1000, available: 1000 });
  });

  it('settles a stream cut mid-way from the counted tokens, flagged estimated (B-04)', async () => {
    const h = await funded(harness(server));
    server.script({ text: 'word '.repeat(100), cutAfterTokens: 30 });
    const request = ask(provider, { stream: true });
    await expect(h.llm('chat', [request], context())).rejects.toMatchObject({ code: 'llm_server_error' });
    const streamed = h.deltas.join('');
    expect(streamed.length).toBeGreaterThan(0);
    const usage = (await h.ledger.entries('ws')).filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(1);
    const meta = usage[0]!.meta as { inputTokens: number; outputTokens: number; estimated: boolean };
    expect(meta.estimated).toBe(true);
    expect(meta.outputTokens).toBe(server.countTokens(streamed));
    if (provider === 'openai') expect(meta.inputTokens).toBe(countTokens(request.messages as never));
    expect(usage[0]!.amount).toBe(-costOf(RATE, FEE, meta.inputTokens, meta.outputTokens));
    const { balance, available } = await h.ledger.balance('ws');
    expect(available).toBe(balance); // the rest of the hold is released
    expect(h.delivered).toHaveLength(0); // nothing half-finished is delivered as a message
    // A re-run of the step uses the same hold key: no second hold.
    server.script('complete now');
    await h.llm('chat', [request], context()).catch(() => undefined);
    const holdsKeys = new Set((await h.ledger.entries('ws')).filter((e) => e.kind === 'usage').map((e) => e.key));
    expect(holdsKeys.size).toBe(1);
    expect((await h.ledger.balance('ws')).balance).toBeGreaterThanOrEqual(0);
  });

  it('never charges more than the hold when the provider overruns max_tokens (B-03)', async () => {
    const h = await funded(harness(server));
    server.script({ text: 'spam '.repeat(20), overrun: 500 });
    const result = (await h.llm('chat', [ask(provider, { maxTokens: 20 })], context())) as { credits: number; usage: { outputTokens: number } };
    const inputEstimate = countTokens(ask(provider).messages as never);
    const hold = holdFor({ rate: RATE, feePercent: FEE, inputTokens: inputEstimate, maxTokens: 20 });
    const sentMax = server.requests[0]!.body['max_tokens'] as number;
    expect(sentMax).toBeLessThanOrEqual(maxTokensWithin({ rate: RATE, feePercent: FEE, inputTokens: inputEstimate, hold })!);
    expect(result.usage.outputTokens).toBe(sentMax + 500);
    expect(result.credits).toBe(hold);
    expect(await h.ledger.balance('ws')).toEqual({ balance: 1000 - hold, available: 1000 - hold });
    const overage = (await h.ledger.entries('ws')).filter((e) => e.kind === 'adjustment');
    expect(overage).toHaveLength(1);
    expect(overage[0]!.amount).toBe(0);
  });

  it('maps a content refusal to llm_refused and still charges what the provider billed', async () => {
    const h = await funded(harness(server));
    server.script({ refusal: 'I cannot help with that.' });
    await expect(h.llm('chat', [ask(provider)], context())).rejects.toMatchObject({ code: 'llm_refused', message: expect.stringContaining('I cannot help with that.') });
    const usage = (await h.ledger.entries('ws')).filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(1);
    expect((await h.ledger.balance('ws')).available).toBe(1000 + usage[0]!.amount);
  });
});

describe('provider usage quirks', () => {
  it('OpenAI stream without the usage chunk settles from counted tokens, flagged estimated', async () => {
    const h = await funded(harness(server));
    const reply = 'Usage went missing.';
    server.script({ text: reply, omitUsage: true });
    const request = ask('openai', { stream: true });
    const result = (await h.llm('chat', [request], context())) as { text: string; usage: unknown; credits: number };
    const usage = { inputTokens: countTokens(request.messages as never), outputTokens: server.countTokens(reply), estimated: true };
    expect(result).toMatchObject({ text: reply, usage });
    expect(result.credits).toBe(costOf(RATE, FEE, usage.inputTokens, usage.outputTokens));
  });

  it('Anthropic cumulative message_delta usage counts the last, not the sum (B-05)', async () => {
    const h = await funded(harness(server));
    const reply = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen';
    server.script({ text: reply, deltaUsageEvents: 3 });
    const result = (await h.llm('chat', [ask('anthropic', { stream: true })], context())) as { usage: { outputTokens: number } };
    expect(result.usage.outputTokens).toBe(server.countTokens(reply));
  });

  it('Anthropic input_tokens 0 at message_start takes the real count from message_delta (B-05)', async () => {
    const h = await funded(harness(server));
    server.script({ text: 'Paris.', inputTokensInDelta: true, deltaUsageEvents: 2 });
    const result = (await h.llm('chat', [ask('anthropic', { stream: true })], context())) as { usage: unknown; credits: number };
    const input = server.countTokens(SYSTEM) + server.countTokens('What is the capital of France?');
    expect(result.usage).toEqual({ inputTokens: input, outputTokens: server.countTokens('Paris.'), estimated: false });
    expect(result.credits).toBe(costOf(RATE, FEE, input, server.countTokens('Paris.')));
  });
});

describe('credits', () => {
  it('refuses a model with no rate before calling it', async () => {
    const h = await funded(harness(server));
    await expect(h.llm('chat', [{ ...ask('openai'), model: 'gpt-unpriced' }], context())).rejects.toMatchObject({
      code: 'llm_no_rate',
      message: expect.stringContaining('no rate for openai/gpt-unpriced'),
    });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses with insufficient_credits, naming what the call needs and what there is', async () => {
    const h = await funded(harness(server), 3);
    const hold = holdFor({ rate: RATE, feePercent: FEE, inputTokens: countTokens(ask('openai').messages as never), maxTokens: 200 });
    await expect(h.llm('chat', [ask('openai')], context())).rejects.toMatchObject({
      code: 'insufficient_credits',
      message: `this call needs up to ${hold} credits; the workspace has 3`,
    });
    expect(server.requests).toHaveLength(0);
    expect(await h.ledger.balance('ws')).toEqual({ balance: 3, available: 3 });
  });

  it('refuses a provider without a connection', async () => {
    const h = await funded(harness(server));
    await expect(h.llm('chat', [{ ...ask('openai'), provider: 'mistral', model: 'test-gpt' }], context())).rejects.toMatchObject({
      code: 'llm_no_connection',
      message: 'this workspace has no mistral connection; add one with its API key',
    });
    expect(await h.ledger.balance('ws')).toEqual({ balance: 1000, available: 1000 });
  });

  it('reaches an OpenAI-compatible connection under another name (OpenRouter style)', async () => {
    const h = await funded(harness(server));
    server.script('via router');
    const result = (await h.llm('chat', [{ ...ask('openai'), provider: 'openrouter' }], context())) as { text: string };
    expect(result.text).toBe('via router');
    expect((await h.ledger.entries('ws')).find((e) => e.kind === 'usage')?.meta).toMatchObject({ provider: 'openrouter' });
  });
});

describe('JSON mode', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['city', 'population'],
    properties: { city: { type: 'string' }, population: { type: 'integer', minimum: 0 } },
  };
  const good = { city: 'Paris', population: 2102650 };

  it.each([
    ['plain JSON', JSON.stringify(good)],
    ['a ```json code fence', '```json\n' + JSON.stringify(good, null, 2) + '\n```'],
    ['JSON wrapped in prose', `Sure! Here it is: ${JSON.stringify(good)} Hope that helps.`],
  ])('reads %s', async (_label, answer) => {
    const h = await funded(harness(server));
    server.script(answer);
    const result = (await h.llm('chat', [ask('openai', { json: schema })], context())) as { json: unknown };
    expect(result.json).toEqual(good);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body['response_format']).toEqual({ type: 'json_object' });
  });

  it.each(['openai', 'anthropic'])('makes one corrective retry after an invalid answer (%s), charging both calls', async (provider) => {
    const h = await funded(harness(server));
    server.script('{"city": "Paris", "population": "lots"}', JSON.stringify(good));
    const result = (await h.llm('chat', [ask(provider, { json: schema })], context())) as { json: unknown; credits: number };
    expect(result.json).toEqual(good);
    expect(server.requests).toHaveLength(2);
    const retry = server.requests[1]!.body['messages'] as { role: string; content: string }[];
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: '{"city": "Paris", "population": "lots"}' });
    expect(retry.at(-1)?.content).toContain('/population: must be an integer');
    const usage = (await h.ledger.entries('ws')).filter((e) => e.kind === 'usage');
    expect(usage.map((e) => e.key)).toEqual(['ws:alice/1/0/llm/llm/0', 'ws:alice/1/0/llm/llm/1']);
    expect(result.credits).toBe(-usage.reduce((s, e) => s + e.amount, 0));
    expect((await h.ledger.balance('ws')).balance).toBe(1000 - result.credits);
  });

  it('fails with llm_bad_response when the retry is invalid too', async () => {
    const h = await funded(harness(server));
    server.script('not JSON at all', '{"city": 7}');
    await expect(h.llm('chat', [ask('openai', { json: schema })], context())).rejects.toMatchObject({
      code: 'llm_bad_response',
      message: expect.stringContaining('did not match the JSON schema twice'),
    });
    expect(server.requests).toHaveLength(2);
  });

  it('refuses an unsafe schema before calling the model', async () => {
    const h = await funded(harness(server));
    const bad = { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } };
    await expect(h.llm('chat', [ask('openai', { json: bad })], context())).rejects.toMatchObject({ code: 'llm_invalid_request' });
    await expect(h.llm('chat', [ask('openai', { json: { $ref: 'https://evil.example/schema.json' } })], context())).rejects.toMatchObject({ code: 'llm_invalid_request' });
    expect(server.requests).toHaveLength(0);
  });

  it('extractJson keeps plain JSON and unwraps fences and prose', () => {
    expect(extractJson(' {"a":1} ')).toBe('{"a":1}');
    expect(extractJson('```\n[1,2]\n```')).toBe('[1,2]');
    expect(extractJson('The answer: {"a":{"b":2}}.')).toBe('{"a":{"b":2}}');
  });
});

describe('request checks', () => {
  it.each([
    [null, 'needs a request object'],
    [{ model: 'test-gpt', messages: 'hi' }, 'messages must be an array'],
    [{ model: 'test-gpt', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0] must be'],
    [{ model: 'test-gpt', messages: [userMessage('x')], maxTokens: 0 }, 'maxTokens must be a whole number'],
    [{ model: 'test-gpt', messages: [userMessage('x')], temperature: 9 }, 'temperature must be'],
    [{ model: '', messages: [userMessage('x')] }, 'model must be'],
  ])('refuses %j', async (request, message) => {
    const h = harness(server);
    await expect(h.llm('chat', [request], context())).rejects.toMatchObject({ code: 'llm_invalid_request', message: expect.stringContaining(message) });
  });

  it('refuses unknown methods', async () => {
    await expect(harness(server).llm('complete', [], context())).rejects.toThrow('llm has no method complete');
  });
});
