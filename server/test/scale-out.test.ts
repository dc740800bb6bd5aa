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
});
