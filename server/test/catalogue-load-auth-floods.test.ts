import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { startFakeLlmServer, type FakeLlmServer, type FakeRequest } from '@nexusflow/nodes/testing';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { deployFlow, flowOf, startTestServer, type TestServer } from './harness.js';
import { healthProbe, once, randomContactId, rawEngineSocket, sleep, socketPool } from './load-auth-helpers.js';

/**
 * RELIABILITY.md §9, load and floods on loopback (bounded): L-02 message flood from one socket,
 * L-03 oversized and binary-attachment packets, L-04 fuzzed engine.io/socket.io frames, L-05 slow
 * headers and an HTTP flood. The server runs in this process, so an uncaught exception in it would
 * surface here: the tests listen for them. Assertions are on outcomes, never on elapsed time.
 */

const echo = flowOf('echo', [{ id: 'echo', type: 'core/reply', config: { text: 'You said: {{ message.text }}' } }]);
const gatedLlm = flowOf('gated', [{ id: 'answer', type: 'core/llm', config: { provider: 'openai', model: 'gpt-4o-mini', maxTokens: 50 } }]);

/** The socket.io-parser the installed socket.io actually loads, and the one package-lock pins. */
function installedParserVersion(): string {
  const entry = createRequire(createRequire(import.meta.url).resolve('socket.io')).resolve('socket.io-parser');
  const root = entry.slice(0, entry.lastIndexOf(`${path.sep}socket.io-parser${path.sep}`) + `${path.sep}socket.io-parser`.length);
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
const PARSER_VERSION = installedParserVersion();
const LOCKED_PARSER_VERSION = (JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { version?: string }> }).packages['node_modules/socket.io-parser']?.version;

const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => void uncaught.push(error);

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i += 1) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

beforeAll(() => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});

afterAll(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

describe('L-02, L-03, L-04 on one server', () => {
  let server: TestServer;
  let llm: FakeLlmServer;
  const pool = socketPool(() => server.url);
  let workspaceId: string;
  let echoKey: string;
  let gatedKey: string;
  /** LLM requests whose last user message starts with "gate:" wait until `release()`. */
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    const lastUser = (request: FakeRequest) => {
      const messages = (request.body.messages ?? []) as { role: string; content: unknown }[];
      const last = [...messages].reverse().find((m) => m.role === 'user');
      return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
    };
    llm = await startFakeLlmServer({
      responder: async (request) => {
        const text = lastUser(request);
        if (text.startsWith('gate:')) await gate;
        return { text: `answer to ${text}` };
      },
    });
    server = await startTestServer({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.openaiBaseURL });
    const user = await server.ctx.store.users.create({ email: `load-${Date.now()}@example.com`, name: 'Load', passwordHash: 'x' });
    workspaceId = (await server.ctx.store.workspaces.create({ name: 'load', ownerId: user.id })).id;
    await server.ctx.store.ledger.adjust(workspaceId, 'load-credits', 'bonus', 10_000_000);
    echoKey = (await deployFlow(server, workspaceId, echo)).publishableKey;
    gatedKey = (await deployFlow(server, workspaceId, gatedLlm)).publishableKey;
  }, 60_000);

  afterAll(async () => {
    release();
    pool.closeAll();
    await server?.stop();
    await llm?.close();
  });

  async function readyChat(publishableKey: string, contactId = randomContactId()): Promise<Socket> {
    const socket = pool.chat(publishableKey, contactId);
    await once(socket, 'ready');
    return socket;
  }

  it('L-02: one socket floods 10,000 messages while 20 clients chat: the flooder is rate limited, everyone else gets every reply, /healthz answers throughout', async () => {
    const flooder = await readyChat(echoKey);
    const normal = await Promise.all(Array.from({ length: 20 }, () => readyChat(echoKey)));
    const probe = healthProbe(server, 50);

    const flooderErrors: { code: string }[] = [];
    flooder.on('chat_error', (e: { code: string }) => flooderErrors.push(e));
    let flooderDisconnected = '';
    flooder.on('disconnect', (reason: string) => void (flooderDisconnected = reason));
    const acks: { ok: boolean; error?: { code: string; status: number } }[] = [];
    const allAcked = new Promise<void>((resolve) => {
      let sent = 0;
      const deadline = Date.now() + 5000;
      const onAck = (ack: { ok: boolean; error?: { code: string; status: number } }) => {
        acks.push(ack);
        if (acks.length === sent) resolve();
      };
      // 10,000 events, sent within 5 s (in practice, at once).
      for (let i = 0; i < 10_000 && Date.now() < deadline; i += 1) {
        flooder.emit('message', { text: `flood ${i}` }, onAck);
        sent += 1;
      }
    });

    const conversations = normal.map(async (socket, n) => {
      const replies: string[] = [];
      for (let turn = 0; turn < 3; turn += 1) {
        const ack = (await socket.timeout(30_000).emitWithAck('message', { text: `client ${n} turn ${turn}` })) as { ok: boolean; replies: { text: string }[] };
        expect(ack.ok).toBe(true);
        replies.push(...ack.replies.map((r) => r.text));
      }
      return replies;
    });
    const results = await Promise.all(conversations);
    await Promise.race([allAcked, sleep(30_000)]);
    const health = await probe.stop();

    results.forEach((replies, n) => expect(replies).toEqual([0, 1, 2].map((turn) => `You said: client ${n} turn ${turn}`)));
    expect(flooderDisconnected).toBe('');
    expect(acks).toHaveLength(10_000);
    const accepted = acks.filter((a) => a.ok);
    const limited = acks.filter((a) => !a.ok && a.error?.code === 'rate_limited');
    // Bucket: 10 at once, 2 per second after that.
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    expect(accepted.length).toBeLessThanOrEqual(80);
    expect(accepted.length + limited.length).toBe(10_000);
    expect(limited[0]?.error).toEqual({ code: 'rate_limited', status: 429, message: 'too many messages; wait a moment before sending more' });
    expect(flooderErrors.length).toBe(limited.length);
    expect(health.length).toBeGreaterThan(0);
    expect(health.filter((s) => s !== 200)).toEqual([]);
    expect(uncaught).toEqual([]);
  }, 60_000);

  it('L-02: one session never has more than 100 messages waiting; the excess gets queue_full (429) at once', async () => {
    gate = new Promise<void>((resolve) => (release = resolve));
    const contactId = randomContactId();
    // 13 sockets of one contact (one session), each inside its own token bucket (10 at once).
    const sockets = await Promise.all(Array.from({ length: 13 }, () => readyChat(gatedKey, contactId)));
    const acks: { ok: boolean; error?: { code: string; status: number } }[] = [];
    const pending: Promise<void>[] = [];
    let sent = 0;
    for (const socket of sockets) {
      for (let i = 0; i < 10; i += 1) {
        const text = `gate: message ${sent}`;
        sent += 1;
        pending.push(socket.timeout(60_000).emitWithAck('message', { text }).then((ack) => void acks.push(ack)));
      }
    }
    expect(sent).toBe(130);
    // While the first turn waits on the gated model, everything past 100 in flight is refused.
    const deadline = Date.now() + 20_000;
    while (acks.length < 30 && Date.now() < deadline) await sleep(20);
    expect(acks).toHaveLength(30);
    expect(acks.every((a) => !a.ok && a.error?.code === 'queue_full' && a.error.status === 429)).toBe(true);
    release();
    await Promise.all(pending);
    expect(acks.filter((a) => a.ok)).toHaveLength(100);
    expect(acks.filter((a) => a.error?.code === 'queue_full')).toHaveLength(30);
    // The 100 accepted ones ran, in order, one at a time; the refused ones left no trace.
    const session = await server.ctx.chat.open((await server.ctx.store.deployments.byPublishableKey(gatedKey))!, 'web', contactId);
    const transcript = await server.ctx.store.transcripts.list(workspaceId, session.id, { limit: 1000 });
    expect(transcript.filter((e) => e.role === 'user')).toHaveLength(100);
    expect(transcript.filter((e) => e.role === 'bot')).toHaveLength(100);
    expect(uncaught).toEqual([]);
  }, 60_000);

  it(`L-03: a packet over maxHttpBufferSize closes only its own connection; 10,000 announced binary attachments are refused; socket.io-parser ${PARSER_VERSION} (>= 4.2.6, CVE-2026-33151)`, async () => {
    expect(PARSER_VERSION).toBe(LOCKED_PARSER_VERSION);
    expect(versionAtLeast(PARSER_VERSION, '4.2.6')).toBe(true);

    const victim = await readyChat(echoKey);
    const bystander = await readyChat(echoKey);
    const victimGone = once<string>(victim, 'disconnect');
    let victimAck = false;
    victim.emit('message', { text: 'x'.repeat(70 * 1024) }, () => void (victimAck = true));
    expect(await victimGone).toBe('transport close');
    expect(victimAck).toBe(false);
    expect(await bystander.timeout(10_000).emitWithAck('message', { text: 'still here' })).toMatchObject({ ok: true, replies: [{ text: 'You said: still here' }] });

    // The CVE-2026-33151 shape over a raw WebSocket: a binary event announcing 10,000 attachments.
    const raw = await rawEngineSocket(server.url);
    raw.ws.send(`40/chat,${JSON.stringify({ publishableKey: echoKey, contactId: randomContactId() })}`);
    await raw.waitFor((f) => f.startsWith('40/chat,{"sid"'));
    raw.ws.send(`4510000-/chat,["message",{"_placeholder":true,"num":0}]`);
    const closed = await Promise.race([raw.closed, sleep(10_000).then(() => undefined)]);
    expect(closed?.byPeer).toBe(true);
    // One announced attachment that never comes does not hurt anyone else either.
    const raw2 = await rawEngineSocket(server.url);
    raw2.ws.send(`40/chat,${JSON.stringify({ publishableKey: echoKey, contactId: randomContactId() })}`);
    await raw2.waitFor((f) => f.startsWith('40/chat,{"sid"'));
    raw2.ws.send(`451-/chat,["message",{"_placeholder":true,"num":0}]`);
    expect(await bystander.timeout(10_000).emitWithAck('message', { text: 'after the bomb' })).toMatchObject({ ok: true, replies: [{ text: 'You said: after the bomb' }] });
    raw2.close();
    expect((await server.request('GET', '/healthz')).status).toBe(200);
    expect(uncaught).toEqual([]);
  }, 30_000);

  it('L-04: 1,000 fuzzed frames (fast-check, fixed seed) over raw WebSockets: bad connections close, the server stays up, chat still works, nothing uncaught', async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const eventName = fc.constantFrom('message', 'history', 'reset', 'watch', 'unwatch', '__proto__', 'constructor', 'connect', 'disconnect', 'error', 'toString', '');
    const frame = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.uint8Array({ maxLength: 200 }),
      // engine.io packet types with junk
      fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', 'b', '9'), fc.string({ maxLength: 80 })).map(([t, rest]) => `${t}${rest}`),
      // socket.io packets: type, attachments, namespace, ack id, payload
      fc
        .tuple(
          fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', 'x'),
          fc.option(fc.nat({ max: 100_000 }).map((n) => `${n}-`), { nil: '' }),
          fc.constantFrom('', '/chat,', '/studio,', '/nope,', '/chat', '/'),
          fc.option(fc.nat().map(String), { nil: '' }),
          fc.oneof(json.map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 })),
        )
        .map(([type, attachments, nsp, id, data]) => `4${type}${attachments}${nsp}${id}${data}`),
      // well-formed events with hostile arguments on /chat
      fc.tuple(fc.option(fc.nat({ max: 1_000_000 }).map(String), { nil: '' }), eventName, fc.array(json, { maxLength: 3 })).map(([id, event, args]) => `42/chat,${id}${JSON.stringify([event, ...args])}`),
    );
    const frames = fc.sample(frame, { seed: 20_260_401, numRuns: 1000 });
    expect(frames).toHaveLength(1000);

    const probe = healthProbe(server, 100);
    let sentFrames = 0;
    let connections = 0;
    let closedByServer = 0;
    /** Acks and chat_error events: the fuzz reached the /chat handlers, which answered. */
    let handlerAnswers = 0;
    const deadline = Date.now() + 40_000;
    while (sentFrames < frames.length && connections < 400 && Date.now() < deadline) {
      connections += 1;
      const raw = await rawEngineSocket(server.url);
      // Half the connections join /chat first, so the fuzz reaches the event handlers.
      if (connections % 2 === 0) {
        raw.ws.send(`40/chat,${JSON.stringify({ publishableKey: echoKey, contactId: randomContactId() })}`);
        await raw.waitFor((f) => f.startsWith('40/chat,')).catch(() => undefined);
      }
      for (let i = 0; i < 5 && sentFrames < frames.length && raw.open; i += 1) {
        const next = frames[sentFrames]!;
        sentFrames += 1;
        raw.ws.send(typeof next === 'string' ? next : Buffer.from(next));
        await new Promise((resolve) => setImmediate(resolve));
      }
      const result = await Promise.race([raw.closed, sleep(30).then(() => undefined)]);
      if (result?.byPeer) closedByServer += 1;
      else raw.close();
      handlerAnswers += raw.messages.filter((m) => m.startsWith('43/chat,') || m.startsWith('42/chat,["chat_error"')).length;
    }
    const health = await probe.stop();

    expect(sentFrames).toBe(1000);
    expect(connections).toBeLessThanOrEqual(400);
    expect(closedByServer).toBeGreaterThan(0);
    expect(handlerAnswers).toBeGreaterThan(0);
    expect(health.filter((s) => s !== 200)).toEqual([]);
    expect((await server.request('GET', '/healthz')).body).toMatchObject({ status: 'ok' });
    const chat = await readyChat(echoKey);
    expect(await chat.timeout(10_000).emitWithAck('message', { text: 'after the fuzz' })).toMatchObject({ ok: true, replies: [{ text: 'You said: after the fuzz' }] });
    expect(uncaught).toEqual([]);
    expect(Object.keys(Object.prototype)).toEqual([]);
  }, 60_000);
});

describe('L-05 slow headers and an HTTP flood', () => {
  let server: TestServer;
  let publishableKey: string;

  beforeAll(async () => {
    server = await startTestServer({ HTTP_HEADERS_TIMEOUT_MS: '2000', RATE_LIMIT_PER_MINUTE: '100' });
    const user = await server.ctx.store.users.create({ email: `flood-${Date.now()}@example.com`, name: 'Flood', passwordHash: 'x' });
    const workspaceId = (await server.ctx.store.workspaces.create({ name: 'flood', ownerId: user.id })).id;
    publishableKey = (await deployFlow(server, workspaceId, echo)).publishableKey;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('reads HTTP_HEADERS_TIMEOUT_MS (default 15 s) into the server', () => {
    expect(loadConfig({}).httpHeadersTimeoutMs).toBe(15_000);
    expect(server.http.headersTimeout).toBe(2000);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '10' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS must be a whole number from 500 to 120000/);
  });

  it('200 connections trickling headers at one byte a second get 408 and are closed; 5,000 fast chat POSTs get 429 past the limit; /healthz answers throughout', async () => {
    const probe = healthProbe(server, 100);
    const port = server.port;
    const request = `POST /api/v1/chat/${publishableKey}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ${'a'.repeat(40)}\r\n\r\n`;

    // 200 slow clients, one byte per second each, until the server closes them (bounded: 20 s).
    const slow = Array.from({ length: 200 }, () => {
      const socket = net.connect(port, '127.0.0.1');
      const state = { sent: 0, received: '', closed: false };
      socket.on('data', (chunk: Buffer) => void (state.received += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.on('close', () => {
        state.closed = true;
        resolve();
      }));
      return { socket, state, closed };
    });
    const trickle = setInterval(() => {
      for (const s of slow) {
        if (!s.state.closed && s.state.sent < request.length && s.socket.writable) {
          s.socket.write(request[s.state.sent]!);
          s.state.sent += 1;
        }
      }
    }, 1000);
    const slowDone = Promise.race([Promise.all(slow.map((s) => s.closed)), sleep(20_000)]);

    // The flood: 5,000 POSTs, 25 at a time, bounded to 45 s.
    const statuses = new Map<number, number>();
    const limited: { code: string; retryAfter: string | null }[] = [];
    let next = 0;
    const deadline = Date.now() + 45_000;
    const worker = async () => {
      while (next < 5000 && Date.now() < deadline) {
        const i = next;
        next += 1;
        const res = await fetch(`${server.url}/api/v1/chat/${publishableKey}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ contactId: `flood-contact-${String(i % 10).padStart(8, '0')}`, text: `flood ${i}` }),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = (await res.json()) as { error?: string };
        if (res.status === 429 && limited.length < 50) limited.push({ code: String(body.error), retryAfter: res.headers.get('retry-after') });
      }
    };
    await Promise.all(Array.from({ length: 25 }, worker));
    await slowDone;
    clearInterval(trickle);
    const stillOpen = slow.filter((s) => !s.state.closed).length;
    for (const s of slow) s.socket.destroy();
    const health = await probe.stop();

    // Every slow client was cut off by the server before its headers were complete, with a 408.
    expect(stillOpen).toBe(0);
    expect(slow.filter((s) => s.state.sent >= request.length)).toHaveLength(0);
    expect(new Set(slow.map((s) => s.state.received.split('\r\n')[0]))).toEqual(new Set(['HTTP/1.1 408 Request Timeout']));

    // The flood: at most the per-IP limit got through, the rest is 429 rate_limited with Retry-After.
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(5000);
    expect(statuses.get(200) ?? 0).toBeLessThanOrEqual(100);
    expect(statuses.get(429) ?? 0).toBeGreaterThanOrEqual(4900);
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    expect(limited.length).toBeGreaterThan(0);
    for (const l of limited) {
      expect(l.code).toBe('rate_limited');
      expect(Number(l.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(l.retryAfter)).toBeLessThanOrEqual(60);
    }
    expect(health.length).toBeGreaterThan(0);
    expect(health.filter((s) => s !== 200)).toEqual([]);
    expect(uncaught).toEqual([]);
  }, 60_000);
});
