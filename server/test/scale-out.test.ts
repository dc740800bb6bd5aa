import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/types.js';
import { post, until } from './catalogue-helpers.js';
import { spawnServer, type ChildServer } from './child-server.js';
import { flowOf } from './harness.js';
import { SHARED_REDIS_URL, api, countingFlow, deployThroughApi, signUpAt, socketOf, startPrivateRedis, testPrefix, type PrivateRedis } from './scale-out-helpers.js';

// Several `nexusflow serve` processes on one machine, sharing one SQLite file (WAL) and Redis.

interface Pair {
  a: ChildServer;
  b: ChildServer;
  dataDir: string;
  store: Store;
  token: string;
  workspaceId: string;
}

const children: ChildServer[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];
const stores: Store[] = [];
let fake: FakeLlmServer;

async function startPair(name: string, env: Record<string, string> = {}): Promise<Pair> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `nexusflow-${name}-`));
  dirs.push(dataDir);
  const shared = {
    DATA_DIR: dataDir,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: testPrefix(name),
    CLUSTER_LEASE_MS: '1500',
    AUTH_FAILURES_PER_15_MINUTES: '6',
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: fake.openaiBaseURL,
    ...env,
  };
  // Started together: one of them creates the database and the sign-in secret, the other uses them.
  const [a, b] = await Promise.all([spawnServer(shared), spawnServer(shared)]);
  children.push(a, b);
  const store = openSqliteStore({ file: path.join(dataDir, 'nexusflow.db') });
  stores.push(store);
  const { token, workspaceId } = await signUpAt(b.url);
  await store.ledger.adjust(workspaceId, 'seed', 'bonus', 100_000);
  return { a, b, dataDir, store, token, workspaceId };
}

beforeAll(async () => {
  fake = await startFakeLlmServer();
});
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await Promise.all(children.splice(0).map((child) => child.kill()));
  for (const store of stores) await store.close();
  await fake.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const texts = (entries: { role: string; text: string }[]) => entries.map((e) => `${e.role}:${e.text}`);

describe('two server processes on one data directory and one Redis', () => {
  let pair: Pair;
  let key: string;
  beforeAll(async () => {
    pair = await startPair('pair');
    key = await deployThroughApi(pair.b.url, pair.token, pair.workspaceId, countingFlow('counter'));
  }, 120_000);

  it('a chat client on A and editors on A and B see the same live trace; a second widget on B gets the reply', async () => {
    const contactId = 'trace-contact-0000001';
    const widget = await socketOf(pair.a.url, '/chat', { publishableKey: key, contactId });
    sockets.push(widget);
    const first = await widget.timeout(15_000).emitWithAck('message', { text: 'hello' });
    expect(first).toMatchObject({ ok: true, replies: [{ text: '#1 hello' }] });
    const sessionId = (await api(pair.b.url, 'GET', `/workspaces/${pair.workspaceId}/sessions`, pair.token)).body.items[0].id as string;

    const watchers = await Promise.all([pair.a.url, pair.b.url].map((url) => socketOf(url, '/studio', { token: pair.token })));
    sockets.push(...watchers);
    const seen = watchers.map(() => [] as unknown[]);
    const replies = watchers.map(() => [] as string[]);
    await Promise.all(
      watchers.map(async (studio, i) => {
        studio.on('trace', (t: { sessionId: string; event: unknown }) => seen[i]!.push(t.event));
        studio.on('reply', (r: { text: string }) => replies[i]!.push(r.text));
        expect(await studio.timeout(5000).emitWithAck('watch', { workspaceId: pair.workspaceId, sessionId })).toMatchObject({ ok: true });
      }),
    );
    const secondWidget = await socketOf(pair.b.url, '/chat', { publishableKey: key, contactId });
    sockets.push(secondWidget);
    const onB: string[] = [];
    secondWidget.on('reply', (r: { text: string }) => onB.push(r.text));

    const second = await widget.timeout(15_000).emitWithAck('message', { text: 'again' });
    expect(second).toMatchObject({ ok: true, replies: [{ text: '#2 again' }] });
    const ended = (events: unknown[]) => events.some((e) => (e as { type: string; turn: number }).type === 'turn.ended' && (e as { turn: number }).turn === 2);
    await until('both editors to see the turn end', async () => (seen.every(ended) ? true : undefined), 15_000);
    const stored = (await pair.store.traces.list(pair.workspaceId, sessionId)).map((t) => t.event).filter((e) => e.turn === 2);
    // trigger, count, echo: each entered and left by a port.
    expect(stored.map((e) => e.type)).toEqual(['turn.started', ...Array(3).fill(['node.entered', 'node.port']).flat(), 'turn.ended']);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]).toEqual(stored);
    await until('the replies on every screen', async () => (replies.every((r) => r.includes('#2 again')) && onB.includes('#2 again') ? true : undefined), 10_000);
  }, 60_000);

  it('counts failed sign-ins of both processes together: the guesses spread over A and B are blocked at the limit', async () => {
    const email = `target-${Date.now()}@example.com`;
    const created = await api(pair.a.url, 'POST', '/auth/signup', undefined, { email, password: 'the right password here', name: 'Target', workspaceName: 'T' });
    expect(created.status).toBe(201);
    const guess = (url: string, i: number) => api(url, 'POST', '/auth/login', undefined, { email, password: `wrong guess ${i}` });
    // AUTH_FAILURES_PER_15_MINUTES=6: three on each process.
    for (let i = 0; i < 6; i += 1) expect((await guess(i % 2 === 0 ? pair.a.url : pair.b.url, i)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const url of [pair.a.url, pair.b.url]) expect((await guess(url, 99)).status).toBe(429);
  }, 30_000);

  it('200 messages for one session, alternately to A and B: each answered once, in order, never two at a time', async () => {
    const contactId = 'ordered-contact-000001';
    const targets = [pair.a.url, pair.b.url];
    // First half: each message once the previous one is answered. Replies come back in order and
    // the counter in the session's variables never skips or repeats across the processes.
    for (let i = 1; i <= 100; i += 1) {
      const res = await post(targets[i % 2]!, key, contactId, `m${i}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.replies.map((r: { text: string }) => r.text)).toEqual([`#${i} m${i}`]);
    }
    // Second half: sent 3 ms apart without waiting, so they pile up in the line on both processes.
    const sent = Array.from({ length: 100 }, (_, k) => k + 101);
    const answers = await Promise.all(
      sent.map(async (i) => {
        await new Promise((resolve) => setTimeout(resolve, (i - 101) * 3));
        return post(targets[i % 2]!, key, contactId, `m${i}`);
      }),
    );
    for (const [k, res] of answers.entries()) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.replies).toHaveLength(1);
      expect(res.body.replies[0].text).toMatch(new RegExp(`^#\\d+ m${sent[k]}$`));
    }
    const sessionId = await until('the session', async () => sessionOf(pair, contactId));
    const transcript: { role: string; text: string }[] = [];
    for (let after = 0; ; ) {
      const page = await pair.store.transcripts.list(pair.workspaceId, sessionId, { afterSeq: after, limit: 100 });
      if (page.length === 0) break;
      transcript.push(...page);
      after = page[page.length - 1]!.seq;
    }
    // Strict pairs: each message is followed by its own answer, numbered by its place in line.
    expect(transcript).toHaveLength(400);
    const users = transcript.filter((_, i) => i % 2 === 0);
    for (const [n, user] of users.entries()) {
      expect(user.role).toBe('user');
      expect(transcript[2 * n + 1]).toMatchObject({ role: 'bot', text: `#${n + 1} ${user.text}` });
    }
    // None twice, none lost; the first half in the order sent.
    expect(new Set(users.map((u) => u.text)).size).toBe(200);
    expect(users.slice(0, 100).map((u) => u.text)).toEqual(Array.from({ length: 100 }, (_, k) => `m${k + 1}`));
    // Each reply the client got is the one stored after its own message.
    for (const res of answers) {
      const text = res.body.replies[0].text as string;
      const n = Number(/^#(\d+)/.exec(text)![1]);
      expect(transcript[2 * n - 1]!.text).toBe(text);
    }
  }, 180_000);

  it('50 conversations spread over both processes all complete, each in order, and both processes take turns', async () => {
    const turnsBefore = await Promise.all([pair.a.url, pair.b.url].map(turnsTaken));
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, c) => {
        const contactId = `many-contact-${String(c).padStart(8, '0')}`;
        const got: string[] = [];
        for (let i = 1; i <= 3; i += 1) {
          const res = await post(c % 2 === i % 2 ? pair.a.url : pair.b.url, key, contactId, `c${c}-${i}`);
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          got.push(...res.body.replies.map((r: { text: string }) => r.text));
        }
        return got;
      }),
    );
    for (const [c, got] of results.entries()) expect(got).toEqual([1, 2, 3].map((i) => `#${i} c${c}-${i}`));
    const turnsAfter = await Promise.all([pair.a.url, pair.b.url].map(turnsTaken));
    const taken = turnsAfter.map((n, i) => n - turnsBefore[i]!);
    expect(taken[0]! + taken[1]!).toBe(150);
    expect(Math.min(...taken)).toBeGreaterThan(0);
  }, 120_000);

  it('a plugin replaced on B is used by A at its next turn: every process drops its cached registry', async () => {
    const plugin = (tag: string, version: string) => ({
      manifest: {
        name: 'tagger',
        version,
        description: 'tags a text',
        main: 'dist/index.js',
        nodes: [{ type: 'tagger/tag', title: 'Tag', description: 'Tags a text', category: 'text', icon: 'tag', ports: ['out'], config: { type: 'object', properties: { text: { type: 'string' } } }, capabilities: [], limits: { timeoutMs: 1000, memoryMb: 16 } }],
      },
      code: `module.exports = { nodes: { 'tagger/tag': { run: (input) => ({ port: 'out', output: '${tag} ' + String(input.config.text) }) } } };`,
    });
    const at = (rest: string) => `/workspaces/${pair.workspaceId}${rest}`;
    expect((await api(pair.b.url, 'POST', at('/plugins'), pair.token, plugin('v1', '1.0.0'))).status).toBe(201);
    const flow = flowOf('tagged', [
      { id: 'tag', type: 'tagger/tag', config: { text: '{{ message.text }}' } },
      { id: 'say', type: 'core/reply', config: { text: '{{ nodes.tag.output }}' } },
    ]);
    const tagged = await deployThroughApi(pair.b.url, pair.token, pair.workspaceId, flow);
    const contactId = 'plugin-contact-000001';
    expect((await post(pair.a.url, tagged, contactId, 'one')).body.replies[0].text).toBe('v1 one');
    const replaced = await api(pair.b.url, 'POST', at('/plugins'), pair.token, plugin('v2', '1.1.0'));
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    // The notice travels over Redis pub/sub; A's very next turn must already use the new code.
    await until('A to hear of the new plugin', async () => ((await post(pair.a.url, tagged, contactId, 'two')).body.replies[0].text === 'v2 two' ? true : undefined), 5_000);
  }, 60_000);
});

describe('a process dies mid-turn', () => {
  it('SIGKILL of A while its LLM step streams: B takes the conversation over, the step runs once more, one reply, one charge', async () => {
    const pair = await startPair('kill');
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    fake.reset();
    fake.script(() => ({ text: words, tokenDelayMs: 60 }));
    const flow = flowOf('crashy', [
      { id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 300, stream: true } },
      { id: 'done', type: 'core/reply', config: { text: 'done' } },
    ]);
    const key = await deployThroughApi(pair.b.url, pair.token, pair.workspaceId, flow);
    const contactId = 'killed-contact-000001';
    void post(pair.a.url, key, contactId, 'tell me everything');
    await until('the model call on A', async () => (fake.requests.length >= 1 ? true : undefined));
    const sessionId = await until('the session', async () => sessionOf(pair, contactId));
    const studio = await socketOf(pair.b.url, '/studio', { token: pair.token });
    sockets.push(studio);
    const live: { type: string; resumed?: boolean }[] = [];
    studio.on('trace', (t: { event: { type: string; resumed?: boolean } }) => live.push(t.event));
    expect(await studio.timeout(5000).emitWithAck('watch', { workspaceId: pair.workspaceId, sessionId })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 400));
    expect(await pair.a.kill('SIGKILL')).toBe('SIGKILL');

    // A's heartbeat expires (CLUSTER_LEASE_MS=1500) and B's sweeper resumes the turn.
    const transcript = await until('the final reply', async () => {
      const entries = await pair.store.transcripts.list(pair.workspaceId, sessionId);
      return entries.some((e) => e.text === 'done') ? entries : undefined;
    }, 30_000);
    expect(texts(transcript)).toEqual(['user:tell me everything', `bot:${words}`, 'bot:done']);
    expect(fake.requests.length).toBe(2);
    const usage = (await pair.store.ledger.entries(pair.workspaceId)).filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(1);
    expect(await pair.store.ledger.audit(pair.workspaceId)).toMatchObject({ ok: true, held: 0 });
    await until('the editor on B to see the resumed turn end', async () => (live.some((e) => e.type === 'turn.ended') ? true : undefined), 10_000);
    expect(live.find((e) => e.type === 'turn.started')).toMatchObject({ resumed: true });
    expect((await pair.store.sessions.byId(sessionId))?.record?.status).toBe('idle');
    // B goes on serving the conversation.
    fake.script(() => ({ text: 'short' }));
    expect((await post(pair.b.url, key, contactId, 'and now?')).body.replies.map((r: { text: string }) => r.text)).toEqual(['short', 'done']);
  }, 120_000);
});

describe('Redis goes away mid-run', () => {
  let redis: PrivateRedis | undefined;
  afterAll(async () => redis?.kill());

  it('chat turns fail fast with a clear 503 while the rest keeps working, the turn in flight finishes, and all recovers when Redis returns', async () => {
    redis = await startPrivateRedis();
    const pair = await startPair('outage', { REDIS_URL: redis.url });
    const key = await deployThroughApi(pair.b.url, pair.token, pair.workspaceId, countingFlow('counted'));
    fake.reset();
    fake.script(() => ({ text: 'slow answer', tokenDelayMs: 100 }));
    const slowKey = await deployThroughApi(pair.b.url, pair.token, pair.workspaceId, flowOf('slow', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o-mini', maxTokens: 50, stream: true } }]));
    const contactId = 'outage-contact-000001';
    expect((await post(pair.a.url, key, contactId, 'before')).body.replies[0].text).toBe('#1 before');

    // A turn is running on A when Redis dies.
    const inFlight = post(pair.a.url, slowKey, 'outage-slow-000001', 'take your time');
    await until('the model call', async () => (fake.requests.length >= 1 ? true : undefined));
    await redis.kill();

    // Every answer comes back (a guard turns a hang into a failure), none hangs.
    const guarded = (url: string, text: string) => Promise.race([post(url, key, contactId, text), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the request hung')), 20_000))]);
    for (const url of [pair.a.url, pair.b.url]) {
      const refused = await guarded(url, 'during');
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'cluster_unavailable' });
      expect(refused.body.message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ cannot be reached .*send it again/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'degraded', redis: 'down' });
      // The editor's API does not need Redis (rate limits let requests through while it is away).
      expect((await api(url, 'GET', `/workspaces/${pair.workspaceId}/flows`, pair.token)).status).toBe(200);
    }
    expect((await inFlight).body.replies.map((r: { text: string }) => r.text)).toEqual(['slow answer']);

    // Redis comes back empty; both processes reconnect by themselves and go on in order.
    await redis.restart();
    await until('A and B to be healthy again', async () => ((await Promise.all([pair.a.url, pair.b.url].map(async (url) => (await fetch(`${url}/healthz`)).status))).every((s) => s === 200) ? true : undefined), 20_000);
    const after: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await post(i % 2 === 0 ? pair.b.url : pair.a.url, key, contactId, `after${i}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      after.push(res.body.replies[0].text);
    }
    expect(after).toEqual([0, 1, 2, 3, 4, 5].map((i) => `#${i + 2} after${i}`));
    const transcript = await pair.store.transcripts.list(pair.workspaceId, (await sessionOf(pair, contactId))!);
    expect(texts(transcript).filter((t) => t.includes('during'))).toEqual([]);
  }, 120_000);
});

/** Turns a process has run, from its Prometheus metrics. */
async function turnsTaken(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^nexusflow_turns_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** The conversation of a web chat contact (widget or HTTP chat API), by the contact's own id. */
async function sessionOf(pair: Pair, externalId: string): Promise<string | undefined> {
  const contact = await pair.store.contacts.byExternalId(pair.workspaceId, 'web', externalId);
  if (contact === undefined) return undefined;
  return (await pair.store.sessions.list(pair.workspaceId, { contactId: contact.id })).items[0]?.id;
}
