/**
 * Reliability catalogue (RELIABILITY.md §9) against a real server in this process, on 127.0.0.1:
 * C-05 (republish while a conversation is parked) and C-09 (ordering per session, concurrency
 * across sessions). The crash cases are in catalogue-crash.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { IDLE_STATE } from '@nexusflow/engine';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVERSATION_RESTARTED } from '../src/chat/chat-service.js';
import type { Deployment } from '../src/store/types.js';
import { checkInvariants, post, until } from './catalogue-helpers.js';
import { deployFlow, flowOf, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let fake: FakeLlmServer;
let workspaceId: string;
const sockets: Socket[] = [];
let counter = 0;

/** A widget contact id (16 to 64 letters, digits, `_` or `-`). */
const contact = (label: string) => `${label}-${(counter += 1)}-${Date.now()}`.padEnd(16, '0');

beforeAll(async () => {
  fake = await startFakeLlmServer();
  server = await startTestServer({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.openaiBaseURL });
  const user = await server.ctx.store.users.create({ email: `live-${Date.now()}@example.com`, name: 'Live', passwordHash: 'x' });
  workspaceId = (await server.ctx.store.workspaces.create({ name: 'live catalogue', ownerId: user.id })).id;
  await server.ctx.store.ledger.adjust(workspaceId, 'seed', 'bonus', 10_000);
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server?.stop();
  await fake?.close();
});

const texts = (body: { replies?: { role: string; text: string }[] }) => (body.replies ?? []).map((r) => `${r.role}:${r.text}`);

async function sessionOf(deployment: Deployment, externalId: string) {
  return server.ctx.chat.open(deployment, 'web', externalId);
}

describe('C-05: republish while a conversation is parked', () => {
  const v1 = flowOf('republish', [
    { id: 'ask', type: 'core/reply', config: { text: 'v1: what is your name?' } },
    { id: 'wait', type: 'core/wait' },
    { id: 'greet', type: 'core/reply', config: { text: 'v1: nice to meet you, {{ message.text }}' } },
  ]);
  // v2 removes the wait node the old conversation sits on.
  const v2 = flowOf('republish', [{ id: 'hello', type: 'core/reply', config: { text: 'v2: hello {{ message.text }}' } }]);

  it('the parked conversation finishes on v1, a new contact gets v2, and the old one follows v2 once it ended', async () => {
    const first = await deployFlow(server, workspaceId, v1);
    const old = contact('c05-old');
    const parked = await post(server.url, first.publishableKey, old, 'hi');
    expect(parked.body).toMatchObject({ status: 'parked', replies: [{ text: 'v1: what is your name?' }] });

    const second = await deployFlow(server, workspaceId, v2);
    expect(second.id).toBe(first.id);
    expect(second.versionId).not.toBe(first.versionId);

    const newcomer = await post(server.url, second.publishableKey, contact('c05-new'), 'hi');
    expect(newcomer.status).toBe(200);
    expect(texts(newcomer.body)).toEqual(['bot:v2: hello hi']);

    // v1's logic answers the parked conversation: it continues from v1's wait node.
    const finish = await post(server.url, second.publishableKey, old, 'Bob');
    expect(finish.status).toBe(200);
    expect(finish.body.status).toBe('ended');
    expect(texts(finish.body)).toEqual(['bot:v1: nice to meet you, Bob']);
    const session = await sessionOf(second, old);
    expect(session.versionId).toBe(first.versionId);

    // Between conversations it follows the deployment to v2.
    const next = await post(server.url, second.publishableKey, old, 'again');
    expect(texts(next.body)).toEqual(['bot:v2: hello again']);
    expect((await sessionOf(second, old)).versionId).toBe(second.versionId);
    const trace = await server.ctx.store.traces.list(workspaceId, session.id, { limit: 200 });
    expect(trace.filter((e) => e.event.type === 'session.notice')).toEqual([]);
    expect(trace.filter((e) => e.event.type === 'turn.ended').map((e) => (e.event as { status: string }).status)).toEqual(['parked', 'ended', 'ended']);
  });

  it('a record that points at a node its flow lacks: the person gets a notice and starts at the trigger, no exception', async () => {
    const deployment = await deployFlow(server, workspaceId, v2);
    for (const [label, staleHash] of [
      ['stale-hash', true],
      ['same-hash', false],
    ] as const) {
      for (const status of ['parked', 'running'] as const) {
        const who = contact(`c05-${label}-${status}`);
        expect(texts((await post(server.url, deployment.publishableKey, who, 'first')).body)).toEqual(['bot:v2: hello first']);
        const session = await sessionOf(deployment, who);
        const record = session.record!;
        // Written by hand: the position is a node v2 does not have.
        await server.ctx.store.sessions.saveRecord(session.id, {
          ...record,
          state: 'wait',
          status,
          ...(staleHash ? { flowHash: 'sha256-of-a-flow-that-had-a-wait-node' } : {}),
          ...(status === 'running' ? { inFlight: { nodeId: 'wait', step: 1, attempt: 1 } } : {}),
        });
        const res = await post(server.url, deployment.publishableKey, who, 'second');
        expect(res.status, `${label}/${status}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.status).toBe('ended');
        expect(texts(res.body)).toEqual([`system:${CONVERSATION_RESTARTED}`, 'bot:v2: hello second']);
        const after = await server.ctx.store.sessions.get(workspaceId, session.id);
        expect(after?.record).toMatchObject({ status: 'idle', state: IDLE_STATE, flowHash: record.flowHash });
        const notice = await until('the notice in the trace', async () => (await server.ctx.store.traces.list(workspaceId, session.id, { limit: 200 })).find((e) => e.event.type === 'session.notice'));
        expect(notice.event).toMatchObject({ message: expect.stringContaining('"wait"') });
      }
    }
    await checkInvariants(server.ctx.store, [workspaceId], server.url);
  });
});

/** Writes every request on one TCP connection at once (HTTP/1.1 pipelining) and reads the answers in order. */
async function pipelined(url: string, requests: { path: string; body: unknown }[], timeoutMs = 30_000): Promise<{ status: number; body: any }[]> {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const wire = requests
    .map(({ path, body }) => {
      const json = JSON.stringify(body);
      return `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    })
    .join('');
  const answers: { status: number; body: any }[] = [];
  let buffer = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`only ${answers.length} of ${requests.length} answers arrived`))), timeoutMs);
    socket.on('error', (error) => (clearTimeout(timer), reject(error)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      // At most one answer per request: a bounded parse loop.
      for (let i = 0; i < requests.length && answers.length < requests.length; i += 1) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const length = Number(/^content-length:\s*(\d+)$/im.exec(head.join('\n'))?.[1] ?? Number.NaN);
        if (!Number.isInteger(length)) return void (clearTimeout(timer), socket.destroy(), reject(new Error(`an answer without Content-Length: ${head.join(' | ')}`)));
        if (buffer.length < end + 4 + length) return;
        answers.push({ status: Number(head[0]!.split(' ')[1]), body: JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8')) });
        buffer = buffer.subarray(end + 4 + length);
      }
      if (answers.length === requests.length) {
        clearTimeout(timer);
        socket.end();
        resolve(answers);
      }
    });
    socket.write(wire);
  });
}

describe('C-09: ordering per session', () => {
  it('50 HTTP messages at once plus 8 over the socket, one contact: one at a time, in arrival order, none lost or doubled', async () => {
    const echo = await deployFlow(server, workspaceId, JSON.parse(await readFile(new URL('../../examples/flows/echo.json', import.meta.url), 'utf8')) as Record<string, unknown>, 'c09-echo');
    const who = contact('c09-order');
    const socket = connect(`${server.url}/chat`, { auth: { publishableKey: echo.publishableKey, contactId: who }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready event')), 10_000);
      socket.once('ready', () => (clearTimeout(timer), resolve()));
    });
    const httpTexts = Array.from({ length: 50 }, (_, i) => `http-${String(i).padStart(2, '0')}`);
    const socketTexts = Array.from({ length: 8 }, (_, i) => `socket-${i}`);
    const path = `/api/v1/chat/${echo.publishableKey}/messages`;
    // Counts the messages handed to the chat service and not yet answered: proof they were queued at once.
    const send = server.ctx.chat.send;
    let waiting = 0;
    let mostWaiting = 0;
    server.ctx.chat.send = async (...args) => {
      waiting += 1;
      mostWaiting = Math.max(mostWaiting, waiting);
      try {
        return await send(...args);
      } finally {
        waiting -= 1;
      }
    };
    let answers: { status: number; body: any }[];
    let acks: { ok: boolean; replies: { text: string }[] }[];
    try {
      [answers, acks] = await Promise.all([
        pipelined(server.url, httpTexts.map((text) => ({ path, body: { contactId: who, text } }))),
        Promise.all(socketTexts.map((text) => socket.timeout(30_000).emitWithAck('message', { text }))),
      ]);
    } finally {
      server.ctx.chat.send = send;
    }
    expect(mostWaiting).toBeGreaterThan(socketTexts.length);

    // Every request got its own answer.
    expect(answers.map((a) => a.status)).toEqual(httpTexts.map(() => 200));
    expect(answers.map((a) => texts(a.body))).toEqual(httpTexts.map((t) => [`bot:You said: ${t}`]));
    expect(acks.map((a) => [a.ok, a.replies.map((r) => r.text)])).toEqual(socketTexts.map((t) => [true, [`You said: ${t}`]]));

    const session = await sessionOf(echo, who);
    const transcript = await server.ctx.store.transcripts.list(workspaceId, session.id, { limit: 200 });
    expect(transcript).toHaveLength(2 * (httpTexts.length + socketTexts.length));
    // One at a time: every message is followed by its own answer before the next message starts.
    for (let i = 0; i < transcript.length; i += 2) {
      expect([transcript[i]!.role, transcript[i + 1]!.role, transcript[i + 1]!.text]).toEqual(['user', 'bot', `You said: ${transcript[i]!.text}`]);
    }
    const users = transcript.filter((e) => e.role === 'user').map((e) => e.text);
    // None lost, none doubled ...
    expect([...users].sort()).toEqual([...httpTexts, ...socketTexts].sort());
    // ... and each channel's messages in the order they were sent.
    expect(users.filter((t) => t.startsWith('http-'))).toEqual(httpTexts);
    expect(users.filter((t) => t.startsWith('socket-'))).toEqual(socketTexts);
    expect((await server.ctx.store.sessions.get(workspaceId, session.id))?.record).toMatchObject({ status: 'idle', turn: httpTexts.length + socketTexts.length });
  });

  it('different sessions run concurrently: while one waits on its model call, another session gets its own call and answers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.reset();
    fake.script(async () => {
      await gate;
      return 'slow answer';
    });
    const llm = await deployFlow(server, workspaceId, flowOf('c09-slow-llm', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 20, stream: false } }]));
    const echo = await deployFlow(server, workspaceId, JSON.parse(await readFile(new URL('../../examples/flows/echo.json', import.meta.url), 'utf8')) as Record<string, unknown>, 'c09-echo-2');
    const blocked = contact('c09-blocked');
    let blockedAnswered = false;
    try {
      const first = post(server.url, llm.publishableKey, blocked, 'first').then((r) => ((blockedAnswered = true), r));
      await until('the first model call', async () => (fake.requests.length >= 1 ? true : undefined));
      // Queued behind the running turn of the same session.
      const queued = post(server.url, llm.publishableKey, blocked, 'second');
      // Another session of another flow answers meanwhile.
      const other = await post(server.url, echo.publishableKey, contact('c09-other'), 'independent');
      expect(texts(other.body)).toEqual(['bot:You said: independent']);
      // Another session of the same flow gets its own model call while the first one still waits.
      const parallel = post(server.url, llm.publishableKey, contact('c09-parallel'), 'parallel');
      await until('the second session’s model call', async () => (fake.requests.length >= 2 ? true : undefined));
      expect(blockedAnswered).toBe(false);
      expect(fake.requests).toHaveLength(2);
      release();
      const answered = await Promise.all([first, queued, parallel]);
      expect(answered.map((r) => [r.status, texts(r.body)])).toEqual([
        [200, ['bot:slow answer']],
        [200, ['bot:slow answer']],
        [200, ['bot:slow answer']],
      ]);
      expect(fake.requests).toHaveLength(3);
      const session = await sessionOf(llm, blocked);
      const transcript = await server.ctx.store.transcripts.list(workspaceId, session.id);
      expect(transcript.map((e) => `${e.role}:${e.text}`)).toEqual(['user:first', 'bot:slow answer', 'user:second', 'bot:slow answer']);
    } finally {
      release();
      fake.script(undefined);
    }
    await checkInvariants(server.ctx.store, [workspaceId], server.url);
  });
});
