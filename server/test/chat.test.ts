import { readFile } from 'node:fs/promises';
import OpenAI from 'openai';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/auth/index.js';
import { OFFLINE_DEMO_PREFIX } from '../src/runtime/llm-setup.js';
import { deployFlow, flowOf, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let workspaceId: string;
let userId: string;
const sockets: Socket[] = [];

const contact = () => `contact-${Math.random().toString(36).slice(2)}-${Date.now()}`;

async function example(name: string) {
  return JSON.parse(await readFile(new URL(`../../examples/flows/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

function chatSocket(publishableKey: string, contactId = contact()): Socket {
  const socket = connect(`${server.url}/chat`, { auth: { publishableKey, contactId }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

function once<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event`)), 10_000);
    socket.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

async function apiKey(scopes: ('chat' | 'admin')[] = ['chat']) {
  const generated = generateApiKey();
  await server.ctx.store.apiKeys.create({ workspaceId, name: 'test', prefix: generated.prefix, hash: generated.hash, scopes, role: 'editor', createdBy: userId });
  return generated.key;
}

beforeAll(async () => {
  server = await startTestServer();
  const user = await server.ctx.store.users.create({ email: `chat-${Date.now()}@example.com`, name: 'Chat', passwordHash: 'x' });
  userId = user.id;
  workspaceId = (await server.ctx.store.workspaces.create({ name: 'chat tests', ownerId: user.id })).id;
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server?.stop();
});

describe('web chat over Socket.IO', () => {
  it('answers a message with the reply, as an ack and as a reply event, and keeps history', async () => {
    const deployment = await deployFlow(server, workspaceId, await example('echo'));
    const id = contact();
    const socket = chatSocket(deployment.publishableKey, id);
    const ready = await once<{ history: unknown[] }>(socket, 'ready');
    expect(ready.history).toEqual([]);
    const replyEvent = once<{ text: string; role: string }>(socket, 'reply');
    const ack = await socket.timeout(10_000).emitWithAck('message', { text: 'hi there' });
    expect(ack).toMatchObject({ ok: true, status: 'ended', replies: [{ role: 'bot', text: 'You said: hi there' }] });
    expect(await replyEvent).toMatchObject({ role: 'bot', text: 'You said: hi there' });
    socket.disconnect();
    // A reconnect of the same contact sees its own history.
    const again = chatSocket(deployment.publishableKey, id);
    const history = await once<{ history: { role: string; text: string }[] }>(again, 'ready');
    expect(history.history.map((h) => `${h.role}:${h.text}`)).toEqual(['user:hi there', 'bot:You said: hi there']);
  });

  it('processes a message once per clientMessageId, and runs one whose turn a crash never started', async () => {
    const deployment = await deployFlow(server, workspaceId, await example('echo'));
    const id = contact();
    const first = await server.ctx.chat.send(deployment, 'web', id, { text: 'once', clientMessageId: 'msg-1' });
    const again = await server.ctx.chat.send(deployment, 'web', id, { text: 'once', clientMessageId: 'msg-1' });
    expect(first.replies.map((r) => r.text)).toEqual(['You said: once']);
    expect(again).toMatchObject({ duplicate: true, replies: [{ text: 'You said: once' }] });

    // The process stored the message, then died before its turn started (nothing after it, the session untouched).
    const session = await server.ctx.chat.open(deployment, 'web', id);
    await server.ctx.store.transcripts.append({ sessionId: session.id, workspaceId, role: 'user', text: 'lost?', key: `${session.id}/in/msg-2`, at: Date.now() + 1 });
    const redelivered = await server.ctx.chat.send(deployment, 'web', id, { text: 'lost?', clientMessageId: 'msg-2' });
    expect(redelivered).toMatchObject({ duplicate: false, replies: [{ text: 'You said: lost?' }] });
    const transcript = await server.ctx.store.transcripts.list(workspaceId, session.id);
    expect(transcript.map((e) => `${e.role}:${e.text}`)).toEqual(['user:once', 'bot:You said: once', 'user:lost?', 'bot:You said: lost?']);
    expect((await server.ctx.chat.send(deployment, 'web', id, { text: 'lost?', clientMessageId: 'msg-2' })).duplicate).toBe(true);
  });

  it('refuses handshakes without credentials, with an unknown key, and with a huge auth object', async () => {
    const deployment = await deployFlow(server, workspaceId, await example('echo'));
    const errors: string[] = [];
    for (const auth of [{}, { publishableKey: 'pk_unknown', contactId: contact() }, { publishableKey: deployment.publishableKey, contactId: 'short' }, { publishableKey: deployment.publishableKey, contactId: contact(), pad: 'x'.repeat(10_000) }]) {
      const socket = connect(`${server.url}/chat`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(socket);
      errors.push(await once<Error>(socket, 'connect_error').then((e) => e.message));
    }
    expect(errors).toEqual(['unauthorized', 'unauthorized', 'unauthorized', 'too large']);
  });

  it('streams tokens from an LLM step (the offline demo model) and then the whole reply', async () => {
    await server.ctx.store.ledger.adjust(workspaceId, 'stream-test', 'bonus', 5000);
    const deployment = await deployFlow(server, workspaceId, await example('assistant'));
    const socket = chatSocket(deployment.publishableKey);
    await once(socket, 'ready');
    const tokens: string[] = [];
    socket.on('token', (t: { delta: string }) => tokens.push(t.delta));
    const ack = await socket.timeout(15_000).emitWithAck('message', { text: 'What do you sell?' });
    expect(ack.ok).toBe(true);
    const text = ack.replies[0].text as string;
    expect(text.startsWith(OFFLINE_DEMO_PREFIX)).toBe(true);
    expect(text).toContain('What do you sell?');
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.join('')).toBe(text);
    // The turn shows in the Prometheus metrics: turns, step durations, LLM latency, credits charged.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/nexusflow_turns_total\{status="ended"\} [1-9]/);
    expect(metrics).toMatch(/nexusflow_step_duration_seconds_count\{node_type="core\/llm",outcome="out"\} [1-9]/);
    expect(metrics).toMatch(/nexusflow_llm_latency_seconds_count\{provider="any",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/nexusflow_credits_charged_total\{workspace_kind="all"\} [1-9]/);
  });

  it('tells the widget 402 when the workspace has no credits for an LLM step', async () => {
    const poor = (await server.ctx.store.workspaces.create({ name: 'poor', ownerId: userId })).id;
    const deployment = await deployFlow(server, poor, flowOf('llm-only', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 100 } }]));
    const socket = chatSocket(deployment.publishableKey);
    await once(socket, 'ready');
    const errorEvent = once<{ code: string; status: number }>(socket, 'chat_error');
    const ack = await socket.timeout(10_000).emitWithAck('message', { text: 'hello' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'insufficient_credits', status: 402 } });
    expect(await errorEvent).toMatchObject({ code: 'insufficient_credits', status: 402 });
    expect((await server.ctx.store.ledger.balance(poor)).balance).toBe(0);
  });
});

describe('HTTP fallback with server-sent events', () => {
  it('streams typing, tokens, the reply and done', async () => {
    await server.ctx.store.ledger.adjust(workspaceId, 'sse-test', 'bonus', 5000);
    const deployment = await deployFlow(server, workspaceId, await example('assistant'));
    const response = await fetch(`${server.url}/api/v1/chat/${deployment.publishableKey}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ contactId: contact(), text: 'hello over SSE' }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const events = text.split('\n\n').filter((b) => b.trim() !== '').map((block) => {
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
      return { name, data };
    });
    const names = events.map((e) => e.name);
    expect(names[0]).toBe('typing');
    expect(names.filter((n) => n === 'token').length).toBeGreaterThan(3);
    expect(names.slice(-3)).toEqual(['reply', 'typing', 'done']);
    const reply = events.find((e) => e.name === 'reply')!.data as { text: string };
    expect(events.filter((e) => e.name === 'token').map((e) => e.data.delta).join('')).toBe(reply.text);
  });

  it('answers JSON without the event-stream header, and 400s a bad contact id with its pointer', async () => {
    const deployment = await deployFlow(server, workspaceId, await example('echo'));
    const ok = await server.request('POST', `/api/v1/chat/${deployment.publishableKey}/messages`, { body: { contactId: contact(), text: 'plain' } });
    expect(ok.status).toBe(200);
    expect(ok.body.replies.map((r: { text: string }) => r.text)).toEqual(['You said: plain']);
    const bad = await server.request('POST', `/api/v1/chat/${deployment.publishableKey}/messages`, { body: { contactId: 'x', text: 'plain' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', details: [{ pointer: '/contactId' }] });
    expect(typeof bad.body.requestId).toBe('string');
  });
});

describe('OpenAI-compatible API', () => {
  it('the official openai client chats with a deployment, with usage, streaming and not', async () => {
    await server.ctx.store.ledger.adjust(workspaceId, 'openai-test', 'bonus', 5000);
    await deployFlow(server, workspaceId, await example('assistant'));
    const client = new OpenAI({ apiKey: await apiKey(), baseURL: `${server.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Tell me a joke' }], user: 'u1' });
    const content = completion.choices[0]?.message.content ?? '';
    expect(content.startsWith(OFFLINE_DEMO_PREFIX)).toBe(true);
    expect(content).toContain('Tell me a joke');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(10);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));

    const stream = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Stream please' }], stream: true, stream_options: { include_usage: true }, user: 'u1' });
    let streamed = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      chunks += 1;
      streamed += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(5);
    expect(streamed).toContain('Stream please');
    expect(usage?.completion_tokens).toBeGreaterThan(10);
  });

  it('maps errors to OpenAI error bodies: unknown model 404, bad key 401, no credits 402', async () => {
    const key = await apiKey();
    const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'no-such-deployment', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    const wrong = new OpenAI({ apiKey: 'nf_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
    const poor = (await server.ctx.store.workspaces.create({ name: 'poor-api', ownerId: userId })).id;
    await deployFlow(server, poor, flowOf('llm-only', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 100 } }]));
    const generated = generateApiKey();
    await server.ctx.store.apiKeys.create({ workspaceId: poor, name: 'poor', prefix: generated.prefix, hash: generated.hash, scopes: ['chat'], role: 'editor', createdBy: userId });
    const poorClient = new OpenAI({ apiKey: generated.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(poorClient.chat.completions.create({ model: 'llm-only', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 402, code: 'insufficient_credits' });
  });
});

describe('studio live trace', () => {
  it('a signed-in member watches trace events of a session as they happen; another workspace cannot', async () => {
    const deployment = await deployFlow(server, workspaceId, await example('echo'));
    const turn = await server.ctx.chat.send(deployment, 'web', contact(), { text: 'first' });
    const token = server.ctx.tokens.sign({ sub: userId });
    const studio = connect(`${server.url}/studio`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(studio);
    await once(studio, 'connect');
    const watched = await studio.timeout(5000).emitWithAck('watch', { workspaceId, sessionId: turn.sessionId });
    expect(watched.ok).toBe(true);
    expect(watched.trace.map((t: { event: { type: string } }) => t.event.type)).toContain('turn.ended');
    const live: string[] = [];
    studio.on('trace', (t: { event: { type: string } }) => live.push(t.event.type));
    const session = await server.ctx.store.sessions.get(workspaceId, turn.sessionId);
    const contactRecord = await server.ctx.store.contacts.get(workspaceId, session!.contactId);
    await server.ctx.chat.send(deployment, 'web', contactRecord!.externalId, { text: 'second' });
    await new Promise((r) => setTimeout(r, 200));
    expect(live).toEqual(expect.arrayContaining(['turn.started', 'node.entered', 'node.port', 'turn.ended']));

    // A-07: someone from another workspace asks for this session.
    const stranger = await server.ctx.store.users.create({ email: `stranger-${Date.now()}@example.com`, name: 'S', passwordHash: 'x' });
    await server.ctx.store.workspaces.create({ name: 'other', ownerId: stranger.id });
    const other = connect(`${server.url}/studio`, { auth: { token: server.ctx.tokens.sign({ sub: stranger.id }) }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(other);
    await once(other, 'connect');
    const leaked: unknown[] = [];
    other.on('trace', (t) => leaked.push(t));
    expect(await other.timeout(5000).emitWithAck('watch', { workspaceId, sessionId: turn.sessionId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await server.ctx.chat.send(deployment, 'web', contactRecord!.externalId, { text: 'third' });
    await new Promise((r) => setTimeout(r, 200));
    expect(leaked).toEqual([]);
  });

  it('test chat: an editor runs an unsaved draft in memory, sees replies, tokens and the trace; others cannot use it', async () => {
    await server.ctx.store.ledger.adjust(workspaceId, 'test-chat', 'bonus', 5000);
    const studio = connect(`${server.url}/studio`, { auth: { token: server.ctx.tokens.sign({ sub: userId }) }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(studio);
    await once(studio, 'connect');
    const draft = await example('assistant');
    const broken = { ...draft, edges: [{ id: 'x', source: 'start', port: 'out', target: 'nowhere' }] };
    const refused = await studio.timeout(5000).emitWithAck('test.start', { workspaceId, document: broken });
    expect(refused).toMatchObject({ ok: false, error: { code: 'flow_invalid', status: 400 } });
    expect(refused.error.details.map((d: { pointer: string }) => d.pointer)).toContain('/edges/0/target');

    const started = await studio.timeout(5000).emitWithAck('test.start', { workspaceId, document: draft });
    expect(started.ok).toBe(true);
    const events: string[] = [];
    const tokens: string[] = [];
    const replies: string[] = [];
    studio.on('trace', (t: { event: { type: string; nodeId?: string } }) => events.push(`${t.event.type}${t.event.nodeId === undefined ? '' : `:${t.event.nodeId}`}`));
    studio.on('token', (t: { delta: string }) => tokens.push(t.delta));
    studio.on('reply', (r: { text: string }) => replies.push(r.text));
    const answered = await studio.timeout(15_000).emitWithAck('test.message', { testId: started.testId, text: 'draft question' });
    expect(answered).toMatchObject({ ok: true, status: 'ended' });
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('draft question');
    expect(tokens.join('')).toBe(replies[0]);
    expect(events).toEqual(expect.arrayContaining(['node.entered:credits', 'node.port:credits', 'node.entered:answer', 'node.port:answer', 'turn.ended']));
    // Nothing of the test reached the stored conversations.
    const stored = await server.ctx.store.sessions.list(workspaceId);
    expect(stored.items.every((s) => !s.id.startsWith('test-'))).toBe(true);

    // Another person cannot send into this test.
    const stranger = await server.ctx.store.users.create({ email: `tester-${Date.now()}@example.com`, name: 'T', passwordHash: 'x' });
    const other = connect(`${server.url}/studio`, { auth: { token: server.ctx.tokens.sign({ sub: stranger.id }) }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(other);
    await once(other, 'connect');
    expect(await other.timeout(5000).emitWithAck('test.message', { testId: started.testId, text: 'hijack' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await other.timeout(5000).emitWithAck('test.start', { workspaceId, document: draft })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('refuses a forged alg:none token at the handshake (A-01) and leaves no token in the logs (A-09)', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: userId, aud: 'nexusflow-api', iss: 'nexusflow', purpose: 'session', exp: 9_999_999_999 })}.`;
    const socket = connect(`${server.url}/studio`, { auth: { token: forged }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    expect((await once<Error>(socket, 'connect_error')).message).toBe('unauthorized');
    const queryOnly = connect(`${server.url}/studio`, { query: { token: server.ctx.tokens.sign({ sub: userId }) }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(queryOnly);
    expect((await once<Error>(queryOnly, 'connect_error')).message).toBe('unauthorized');
    const rest = await server.request('GET', '/api/v1/me', { token: forged });
    expect(rest.status).toBe(401);
    expect(rest.body.error).toBe('invalid_token');
    expect(server.logs.join('\n')).not.toContain(forged.slice(0, 40));
  });
});
