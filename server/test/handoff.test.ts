import { readFile } from 'node:fs/promises';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let fake: FakeLlmServer;
let owner: Awaited<ReturnType<TestServer['signUp']>>;
const sockets: Socket[] = [];

function socketOf(namespace: '/chat' | '/studio', auth: Record<string, string>): Socket {
  const socket = connect(`${server.url}${namespace}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

/** Collects a socket's events of one name, to wait for the one a test expects. */
function collect<T>(socket: Socket, event: string): { items: T[]; until(match: (item: T) => boolean): Promise<T> } {
  const items: T[] = [];
  const waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];
  socket.on(event, (item: T) => {
    items.push(item);
    for (const waiter of [...waiters]) if (waiter.match(item)) waiter.resolve(item);
  });
  return {
    items,
    until(match) {
      const found = items.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching ${event} event; saw ${JSON.stringify(items)}`)), 10_000);
        waiters.push({ match, resolve: (item) => (clearTimeout(timer), resolve(item)) });
      });
    },
  };
}

const lastPrompt = () => (fake.requests.at(-1)?.body.messages ?? []) as { role: string; content: string }[];

beforeAll(async () => {
  fake = await startFakeLlmServer();
  server = await startTestServer({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.openaiBaseURL });
  owner = await server.signUp('Operator');
  await server.ctx.store.ledger.adjust(owner.workspaceId, 'handoff-test-credits', 'purchase', 100_000, {});
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server?.stop();
  await fake?.close();
});

describe('human handoff', () => {
  it('pauses the flow while an operator answers, then the model sees what the operator said', async () => {
    const flow = JSON.parse(await readFile(new URL('../../examples/flows/assistant.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const deployment = await deployFlow(server, owner.workspaceId, flow);
    const widget = socketOf('/chat', { publishableKey: deployment.publishableKey, contactId: `visitor-${Date.now()}-abcdefgh` });
    const widgetReplies = collect<{ role: string; text: string }>(widget, 'reply');
    await new Promise((resolve) => widget.once('ready', resolve));

    fake.script('Hello! How can I help?');
    const first = await widget.timeout(10_000).emitWithAck('message', { text: 'hello' });
    expect(first).toMatchObject({ ok: true, replies: [{ role: 'bot', text: 'Hello! How can I help?' }] });
    const sessions = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/sessions?deploymentId=${deployment.id}`, { token: owner.token });
    const sessionId = sessions.body.items[0].id as string;

    // The operator watches the conversation live in the editor.
    const studio = socketOf('/studio', { token: owner.token });
    const userMessages = collect<{ role: string; text: string }>(studio, 'message');
    const handoffs = collect<{ handoff?: { by: string } }>(studio, 'handoff');
    expect(await studio.timeout(10_000).emitWithAck('watch', { workspaceId: owner.workspaceId, sessionId })).toMatchObject({ ok: true });

    const early = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/messages`, { token: owner.token, body: { text: 'too early' } });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: 'handoff_required' });

    const taken = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/handoff`, { token: owner.token });
    expect(taken.status).toBe(200);
    expect(taken.body.handoff).toMatchObject({ by: owner.userId });
    await handoffs.until((h) => h.handoff?.by === owner.userId);
    const detail = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}`, { token: owner.token });
    expect(detail.body.handoff).toMatchObject({ by: owner.userId });
    const listed = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/sessions?deploymentId=${deployment.id}`, { token: owner.token });
    expect(listed.body.items[0]).toMatchObject({ id: sessionId, handoff: { by: owner.userId } });

    const requestsBefore = fake.requests.length;
    const waiting = await widget.timeout(10_000).emitWithAck('message', { text: 'I want to talk to a person' });
    expect(waiting).toMatchObject({ ok: true, replies: [] });
    await userMessages.until((m) => m.text === 'I want to talk to a person' && m.role === 'user');
    expect(fake.requests.length).toBe(requestsBefore);

    const sent = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/messages`, { token: owner.token, body: { text: 'Hi, this is Ana from support. Your order ships Monday.' } });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ role: 'operator', text: 'Hi, this is Ana from support. Your order ships Monday.' });
    await widgetReplies.until((r) => r.role === 'operator' && r.text.startsWith('Hi, this is Ana'));

    const back = await server.request('DELETE', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/handoff`, { token: owner.token });
    expect(back.status).toBe(200);
    expect(back.body.handoff).toBeUndefined();
    await handoffs.until((h) => h.handoff === undefined);

    fake.script('You are welcome!');
    const after = await widget.timeout(10_000).emitWithAck('message', { text: 'thanks, when does it ship again?' });
    expect(after).toMatchObject({ ok: true, replies: [{ role: 'bot', text: 'You are welcome!' }] });
    // The model's memory has the person's message and the operator's answer from the handoff.
    const prompt = lastPrompt().map((m) => `${m.role}:${m.content}`);
    expect(prompt).toContain('user:I want to talk to a person');
    expect(prompt).toContain('assistant:Hi, this is Ana from support. Your order ships Monday.');
    expect(prompt.indexOf('user:I want to talk to a person')).toBeLessThan(prompt.indexOf('assistant:Hi, this is Ana from support. Your order ships Monday.'));

    const transcript = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/transcript`, { token: owner.token });
    expect(transcript.body.items.map((e: { role: string; text: string }) => `${e.role}:${e.text}`)).toEqual([
      'user:hello',
      'bot:Hello! How can I help?',
      'user:I want to talk to a person',
      'operator:Hi, this is Ana from support. Your order ships Monday.',
      'user:thanks, when does it ship again?',
      'bot:You are welcome!',
    ]);
  });

  it('lets only editors take over, and keeps other workspaces out', async () => {
    const flow = JSON.parse(await readFile(new URL('../../examples/flows/echo.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const deployment = await deployFlow(server, owner.workspaceId, flow);
    const widget = socketOf('/chat', { publishableKey: deployment.publishableKey, contactId: `visitor-${Date.now()}-ijklmnop` });
    await new Promise((resolve) => widget.once('ready', resolve));
    await widget.timeout(10_000).emitWithAck('message', { text: 'hi' });
    const sessions = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/sessions?deploymentId=${deployment.id}`, { token: owner.token });
    const sessionId = sessions.body.items[0].id as string;

    const stranger = await server.signUp('Stranger');
    const foreign = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/handoff`, { token: stranger.token });
    expect(foreign.status).toBe(404);
    const wrongWorkspace = await server.request('POST', `/api/v1/workspaces/${stranger.workspaceId}/sessions/${sessionId}/handoff`, { token: stranger.token });
    expect(wrongWorkspace.status).toBe(404);

    const empty = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/messages`, { token: owner.token, body: { text: '' } });
    expect(empty.status).toBe(400);
    expect(empty.body.details[0].pointer).toBe('/text');
  });
});

describe('contacts', () => {
  it('keeps what a flow collected about a person on their contact', async () => {
    const flow = JSON.parse(await readFile(new URL('../../examples/flows/lead-capture.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const deployment = await deployFlow(server, owner.workspaceId, flow);
    const contactId = `visitor-${Date.now()}-leadcapt`;
    const widget = socketOf('/chat', { publishableKey: deployment.publishableKey, contactId });
    await new Promise((resolve) => widget.once('ready', resolve));
    for (const text of ['hi', '  Ada Lovelace ', 'ADA@example.com']) await widget.timeout(10_000).emitWithAck('message', { text });

    const contacts = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/contacts`, { token: owner.token });
    const contact = contacts.body.items.find((c: { externalId: string }) => c.externalId === contactId);
    expect(contact).toMatchObject({ channel: 'web', vars: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    expect(contact.firstSeenAt).toBeLessThanOrEqual(contact.lastSeenAt);
    const one = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/contacts/${contact.id}`, { token: owner.token });
    expect(one.body).toMatchObject({ id: contact.id, vars: { name: 'Ada Lovelace', email: 'ada@example.com' } });
  });
});
