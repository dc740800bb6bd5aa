import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlmServer, type FakeLlmServer } from './index.js';

let llm: FakeLlmServer;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  llm = await startFakeLlmServer();
  openai = new OpenAI({ apiKey: 'test', baseURL: llm.openaiBaseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'test', baseURL: llm.anthropicBaseURL, maxRetries: 0 });
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => {
  llm.reset();
});

const REPLY = 'The quick brown fox jumps over the lazy dog.';
const oaMessages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Tell me about foxes.' },
];
const anMessages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('OpenAI chat completions', () => {
  it('answers a plain completion with usage from the server counter', async () => {
    llm.script(REPLY);
    const completion = await openai.chat.completions.create({ model: 'gpt-test', messages: oaMessages });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: REPLY, refusal: null });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const prompt = llm.countTokens('Be brief.') + llm.countTokens('Tell me about foxes.');
    expect(completion.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: llm.countTokens(REPLY),
      total_tokens: prompt + llm.countTokens(REPLY),
    });
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]).toMatchObject({ api: 'openai', path: '/v1/chat/completions' });
    expect(llm.requests[0]?.headers['authorization']).toBe('Bearer test');
    expect(llm.requests[0]?.body['messages']).toEqual(oaMessages);
  });

  it('streams one chunk per token, a finish chunk and a usage chunk', async () => {
    llm.script(REPLY);
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: oaMessages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const first = chunks[0];
    expect(first?.choices[0]?.delta.role).toBe('assistant');
    const content = chunks.filter((c) => (c.choices[0]?.delta.content ?? '') !== '');
    expect(content).toHaveLength(llm.countTokens(REPLY));
    expect(content.map((c) => c.choices[0]?.delta.content).join('')).toBe(REPLY);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason != null);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(llm.countTokens(REPLY));
    expect(last?.usage?.prompt_tokens).toBe(llm.countTokens('Be brief.') + llm.countTokens('Tell me about foxes.'));
    // Every chunk before the last says usage: null, as the real API does with include_usage.
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('sends no usage chunk without include_usage, or with the omitUsage fault', async () => {
    llm.script(REPLY, { text: REPLY, omitUsage: true });
    for (const options of [{}, { stream_options: { include_usage: true } }]) {
      const stream = await openai.chat.completions.create({ model: 'm', messages: oaMessages, stream: true, ...options });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.some((c) => c.usage)).toBe(false);
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    }
  });

  it('truncates to max_completion_tokens / max_tokens with finish_reason length', async () => {
    llm.script(REPLY, REPLY);
    const a = await openai.chat.completions.create({ model: 'm', messages: oaMessages, max_completion_tokens: 3 });
    expect(a.choices[0]?.finish_reason).toBe('length');
    expect(a.usage?.completion_tokens).toBe(3);
    expect(a.choices[0]?.message.content).toBe('The quick brown');
    const stream = await openai.chat.completions.create({
      model: 'm',
      messages: oaMessages,
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('The quick brown fox');
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(4);
  });

  it('overruns max_tokens on request (B-03)', async () => {
    llm.script({ text: REPLY, overrun: 2 }, { text: 'Hi.', overrun: 5 });
    const a = await openai.chat.completions.create({ model: 'm', messages: oaMessages, max_tokens: 3 });
    expect(a.usage?.completion_tokens).toBe(5);
    expect(a.choices[0]?.message.content).toBe('The quick brown fox jumps');
    expect(a.choices[0]?.finish_reason).toBe('length');
    // A short reply is repeated so the overrun still happens.
    const b = await openai.chat.completions.create({ model: 'm', messages: oaMessages, max_tokens: 1 });
    expect(b.usage?.completion_tokens).toBe(6);
    expect(b.choices[0]?.message.content).toBe('Hi.Hi.Hi.');
  });

  it('accepts response_format json_object and json_schema and rejects unknown types', async () => {
    llm.script('{"a":1}', '{"b":2}');
    const a = await openai.chat.completions.create({ model: 'm', messages: oaMessages, response_format: { type: 'json_object' } });
    expect(JSON.parse(a.choices[0]?.message.content ?? '')).toEqual({ a: 1 });
    const b = await openai.chat.completions.create({
      model: 'm',
      messages: oaMessages,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
    });
    expect(JSON.parse(b.choices[0]?.message.content ?? '')).toEqual({ b: 2 });
    const error = await caught(
      openai.chat.completions.create({ model: 'm', messages: oaMessages, response_format: { type: 'yaml' } as never }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(llm.pending).toBe(0);
  });

  it('rejects a missing or bad key with AuthenticationError and the OpenAI error shape', async () => {
    const bad = new OpenAI({ apiKey: 'bad-key', baseURL: llm.openaiBaseURL, maxRetries: 0 });
    const error = await caught(bad.chat.completions.create({ model: 'm', messages: oaMessages }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
    const raw = await fetch(`${llm.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: oaMessages }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
  });

  it('maps scripted 401, 429 (retry-after) and 500 to the SDK error classes', async () => {
    llm.script({ status: 401 }, { status: 429, retryAfter: 2 }, { status: 500, errorMessage: 'boom' });
    expect(await caught(openai.chat.completions.create({ model: 'm', messages: oaMessages }))).toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const limited = await caught(openai.chat.completions.create({ model: 'm', messages: oaMessages }));
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('2');
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
    const server = await caught(openai.chat.completions.create({ model: 'm', messages: oaMessages }));
    expect(server).toBeInstanceOf(OpenAI.InternalServerError);
    expect((server as Error).message).toContain('boom');
  });

  it('a cut stream makes the SDK iterator throw after the delivered tokens, with no usage', async () => {
    llm.script({ text: REPLY, cutAfterTokens: 3 });
    const stream = await openai.chat.completions.create({
      model: 'm',
      messages: oaMessages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    const error = await caught(
      (async () => {
        for await (const chunk of stream) chunks.push(chunk);
      })(),
    );
    // undici's socket error escapes the SDK iterator unwrapped.
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(error).not.toBeInstanceOf(OpenAI.APIError);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('The quick brown');
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);
  });

  it('a cut non-streaming response rejects with undici\'s raw TypeError, not an SDK error class', async () => {
    llm.script({ text: REPLY, cutAfterTokens: 1 }, { text: REPLY, cutAfterTokens: 1 });
    // Headers arrived fine, so the SDK's connection-error wrapping is already behind us; the body
    // read fails inside fetch and the error escapes unwrapped.
    const error = await caught(openai.chat.completions.create({ model: 'm', messages: oaMessages }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(error).not.toBeInstanceOf(OpenAI.APIError);
    const anthropicError = await caught(anthropic.messages.create({ model: 'c', max_tokens: 10, messages: anMessages }));
    expect(anthropicError).toBeInstanceOf(TypeError);
    expect(anthropicError).not.toBeInstanceOf(Anthropic.APIError);
  });

  it('refusals set message.refusal and finish_reason content_filter', async () => {
    llm.script({ refusal: 'I cannot do that.' }, { refusal: true });
    const a = await openai.chat.completions.create({ model: 'm', messages: oaMessages });
    expect(a.choices[0]?.message).toMatchObject({ content: null, refusal: 'I cannot do that.' });
    expect(a.choices[0]?.finish_reason).toBe('content_filter');
    const stream = await openai.chat.completions.create({ model: 'm', messages: oaMessages, stream: true });
    let refusal = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      refusal += chunk.choices[0]?.delta.refusal ?? '';
      expect(chunk.choices[0]?.delta.content ?? '').toBe('');
      finish ??= chunk.choices[0]?.finish_reason;
    }
    expect(refusal.length).toBeGreaterThan(0);
    expect(finish).toBe('content_filter');
  });
});

describe('Anthropic messages', () => {
  const inputTokens = (): number => llm.countTokens('You are terse.') + llm.countTokens('Tell me about foxes.');

  it('answers a plain message with usage from the server counter', async () => {
    llm.script(REPLY);
    const message = await anthropic.messages.create({ model: 'claude-test', max_tokens: 100, system: 'You are terse.', messages: anMessages });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: REPLY }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: inputTokens(), output_tokens: llm.countTokens(REPLY) },
    });
    expect(llm.requests[0]).toMatchObject({ api: 'anthropic', path: '/v1/messages' });
    // SDK 1.12 sends `apiKey` as `Authorization: Bearer`, not x-api-key; the server takes both.
    expect(llm.requests[0]?.headers['authorization']).toBe('Bearer test');
    expect(llm.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(llm.requests[0]?.headers['anthropic-version']).toBeTruthy();
  });

  it('streams the documented event sequence with one text delta per token', async () => {
    llm.script(REPLY);
    const stream = await anthropic.messages.create({ model: 'c', max_tokens: 100, system: 'You are terse.', messages: anMessages, stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const n = llm.countTokens(REPLY);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      ...Array<string>(n).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0] as Anthropic.RawMessageStartEvent;
    expect(start.message.usage).toMatchObject({ input_tokens: inputTokens(), output_tokens: 1 });
    const text = events
      .filter((e): e is Anthropic.RawContentBlockDeltaEvent => e.type === 'content_block_delta')
      .map((e) => (e.delta.type === 'text_delta' ? e.delta.text : ''))
      .join('');
    expect(text).toBe(REPLY);
    const delta = events.find((e) => e.type === 'message_delta') as Anthropic.RawMessageDeltaEvent;
    expect(delta.delta.stop_reason).toBe('end_turn');
    expect(delta.usage.output_tokens).toBe(n);
  });

  it('messages.stream().finalMessage() accumulates text and usage', async () => {
    llm.script(REPLY);
    const final = await anthropic.messages
      .stream({ model: 'c', max_tokens: 100, system: 'You are terse.', messages: anMessages })
      .finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: REPLY })]);
    expect(final.usage).toMatchObject({ input_tokens: inputTokens(), output_tokens: llm.countTokens(REPLY) });
    expect(final.stop_reason).toBe('end_turn');
  });

  it('truncates to max_tokens with stop_reason max_tokens, and overruns on request', async () => {
    llm.script(REPLY, REPLY, { text: REPLY, overrun: 3 });
    const a = await anthropic.messages.create({ model: 'c', max_tokens: 2, messages: anMessages });
    expect(a.stop_reason).toBe('max_tokens');
    expect(a.usage.output_tokens).toBe(2);
    expect(a.content).toEqual([{ type: 'text', text: 'The quick' }]);
    const b = await anthropic.messages.stream({ model: 'c', max_tokens: 3, messages: anMessages }).finalMessage();
    expect(b.stop_reason).toBe('max_tokens');
    expect(b.usage.output_tokens).toBe(3);
    const c = await anthropic.messages.stream({ model: 'c', max_tokens: 3, messages: anMessages }).finalMessage();
    expect(c.usage.output_tokens).toBe(6);
    expect(c.content[0]).toMatchObject({ text: 'The quick brown fox jumps over' });
  });

  it('sends cumulative message_delta usage that finalMessage() does not double count (B-05)', async () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    const total = llm.countTokens(text);
    llm.script({ text, deltaUsageEvents: 3 }, { text, deltaUsageEvents: 3 });
    const stream = await anthropic.messages.create({ model: 'c', max_tokens: 100, messages: anMessages, stream: true });
    const deltas: Anthropic.RawMessageDeltaEvent[] = [];
    for await (const event of stream) if (event.type === 'message_delta') deltas.push(event);
    expect(deltas.map((d) => d.usage.output_tokens)).toEqual([Math.round(total / 3), Math.round((2 * total) / 3), total]);
    expect(deltas.map((d) => d.delta.stop_reason)).toEqual([null, null, 'end_turn']);
    const final = await anthropic.messages.stream({ model: 'c', max_tokens: 100, messages: anMessages }).finalMessage();
    expect(final.usage.output_tokens).toBe(total);
  });

  it('can report input tokens only on message_delta (B-05)', async () => {
    llm.script({ text: REPLY, inputTokensInDelta: true }, { text: REPLY, inputTokensInDelta: true });
    const expected = llm.countTokens('Tell me about foxes.');
    const stream = await anthropic.messages.create({ model: 'c', max_tokens: 100, messages: anMessages, stream: true });
    const seen: Array<number | null | undefined> = [];
    for await (const event of stream) {
      if (event.type === 'message_start') seen.push(event.message.usage.input_tokens);
      if (event.type === 'message_delta') seen.push(event.usage.input_tokens);
    }
    expect(seen).toEqual([0, expected]);
    const final = await anthropic.messages.stream({ model: 'c', max_tokens: 100, messages: anMessages }).finalMessage();
    expect(final.usage.input_tokens).toBe(expected);
  });

  it('maps missing/bad keys and scripted faults to the SDK error classes', async () => {
    const bad = new Anthropic({ apiKey: 'bad-key', baseURL: llm.anthropicBaseURL, maxRetries: 0 });
    const auth = await caught(bad.messages.create({ model: 'c', max_tokens: 10, messages: anMessages }));
    expect(auth).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((auth as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    const raw = await fetch(`${llm.anthropicBaseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'c', max_tokens: 10, messages: anMessages }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    llm.script({ status: 401 }, { status: 429, retryAfter: 2 }, { status: 500 }, { status: 529 });
    const call = (): Promise<unknown> => caught(anthropic.messages.create({ model: 'c', max_tokens: 10, messages: anMessages }));
    expect(await call()).toBeInstanceOf(Anthropic.AuthenticationError);
    const limited = await call();
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('2');
    expect(await call()).toBeInstanceOf(Anthropic.InternalServerError);
    const overloaded = await call();
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect((overloaded as InstanceType<typeof Anthropic.InternalServerError>).status).toBe(529);
  });

  it('faults also apply to streaming calls', async () => {
    llm.script({ status: 429, retryAfter: 7 });
    const error = await caught(anthropic.messages.stream({ model: 'c', max_tokens: 10, messages: anMessages }).finalMessage());
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
  });

  it('a cut stream: raw iterator throws, finalMessage() rejects, no message_stop', async () => {
    llm.script({ text: REPLY, cutAfterTokens: 2 }, { text: REPLY, cutAfterTokens: 2 });
    const stream = await anthropic.messages.create({ model: 'c', max_tokens: 100, messages: anMessages, stream: true });
    const types: string[] = [];
    const error = await caught(
      (async () => {
        for await (const event of stream) types.push(event.type);
      })(),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta']);
    const helper = anthropic.messages.stream({ model: 'c', max_tokens: 100, messages: anMessages });
    const texts: string[] = [];
    helper.on('text', (t) => texts.push(t));
    // The MessageStream helper wraps it in the base AnthropicError (not APIConnectionError).
    const helperError = await caught(helper.finalMessage());
    expect(helperError).toBeInstanceOf(Anthropic.AnthropicError);
    expect(helperError).not.toBeInstanceOf(Anthropic.APIError);
    expect((helperError as Error).message).toBe('terminated');
    expect(texts.join('')).toBe('The quick');
  });

  it('refusals use stop_reason refusal', async () => {
    llm.script({ refusal: 'No.' }, { refusal: true });
    const a = await anthropic.messages.create({ model: 'c', max_tokens: 100, messages: anMessages });
    expect(a.stop_reason).toBe('refusal');
    expect(a.content).toEqual([{ type: 'text', text: 'No.' }]);
    const b = await anthropic.messages.stream({ model: 'c', max_tokens: 100, messages: anMessages }).finalMessage();
    expect(b.stop_reason).toBe('refusal');
  });

  it('rejects requests without max_tokens with a 400', async () => {
    const raw = await fetch(`${llm.anthropicBaseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({ model: 'c', messages: anMessages }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('timing, scripting and limits', () => {
  it('slow first token: the fast request finishes first (ordering only)', async () => {
    llm.script((request) => {
      const messages = request.body['messages'] as Array<{ content: string }>;
      return messages[0]?.content === 'slow' ? { text: 'slow reply', delayFirstTokenMs: 300 } : 'fast reply';
    });
    const order: string[] = [];
    const slow = openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'slow' }] })
      .then((c) => order.push(c.choices[0]?.message.content ?? ''));
    const fast = anthropic.messages
      .create({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'fast' }] })
      .then((m) => order.push(m.content[0]?.type === 'text' ? m.content[0].text : ''));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['fast reply', 'slow reply']);
  });

  it('slow first token in a stream: headers arrive (create resolves) before any content', async () => {
    llm.script({ text: 'hi there', delayFirstTokenMs: 200 });
    const order: string[] = [];
    const stream = await openai.chat.completions.create({ model: 'm', messages: oaMessages, stream: true });
    order.push('created');
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) order.push('token');
    expect(order).toEqual(['created', 'token', 'token']);
  });

  it('queues FIFO across both APIs, then falls back to responder and default', async () => {
    llm.script('first', 'second');
    const a = await openai.chat.completions.create({ model: 'm', messages: oaMessages });
    const b = await anthropic.messages.create({ model: 'c', max_tokens: 10, messages: anMessages });
    const c = await openai.chat.completions.create({ model: 'm', messages: oaMessages });
    expect(a.choices[0]?.message.content).toBe('first');
    expect(b.content[0]).toMatchObject({ text: 'second' });
    expect(c.choices[0]?.message.content).toBe('Hello from the fake LLM.');
    llm.script((request) => `echo ${request.api}`);
    const d = await anthropic.messages.create({ model: 'c', max_tokens: 10, messages: anMessages });
    expect(d.content[0]).toMatchObject({ text: 'echo anthropic' });
    expect(llm.requests.map((r) => r.api)).toEqual(['openai', 'anthropic', 'openai', 'anthropic']);
  });

  it('caps the request body size with a 413', async () => {
    const small = await startFakeLlmServer({ maxBodyBytes: 256 });
    try {
      const client = new OpenAI({ apiKey: 'k', baseURL: small.openaiBaseURL, maxRetries: 0 });
      const error = await caught(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(1000) }] }));
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('close() ends in-flight slow streams and pending timers promptly', async () => {
    const local = await startFakeLlmServer({ script: [{ text: REPLY, delayFirstTokenMs: 60_000 }] });
    const client = new OpenAI({ apiKey: 'k', baseURL: local.openaiBaseURL, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'm', messages: oaMessages, stream: true });
    const consumed = caught(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    );
    await local.close();
    expect(await consumed).toBeInstanceOf(Error);
    await local.close(); // idempotent
  });
});
