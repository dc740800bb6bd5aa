import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowDocument } from '@nexusflow/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { addMember, chat, createApiKey, deployFlow, expectErrorShape, wsPath, type Owner } from './fixtures.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/flows');

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Credits');
});
afterAll(async () => server?.stop());

const at = (rest: string, who = owner) => wsPath(who.workspaceId, rest);
const topUp = (body: unknown, token = owner.token, who = owner) => server.request('POST', at('/credits/top-ups', who), { token, body });

describe('balance and top-ups', () => {
  it('starts at zero and adds a top-up once per idempotency key', async () => {
    const fresh = await server.signUp('Fresh credits');
    expect((await server.request('GET', at('/credits', fresh), { token: fresh.token })).body).toEqual({ balance: 0, available: 0 });
    const first = await topUp({ amount: 100, idempotencyKey: 'order-1', note: 'first order' }, fresh.token, fresh);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: 'purchase', amount: 100, balanceAfter: 100, key: 'topup:order-1', meta: { note: 'first order', by: fresh.userId } });
    const again = await topUp({ amount: 100, idempotencyKey: 'order-1', note: 'first order' }, fresh.token, fresh);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await server.request('GET', at('/credits', fresh), { token: fresh.token })).body).toEqual({ balance: 100, available: 100 });
    expect(await server.ctx.store.ledger.entries(fresh.workspaceId)).toHaveLength(1);
  });

  it('reports a retry as a repeat (200) even when a proxy resends the same X-Request-Id', async () => {
    const headers = { 'x-request-id': 'retried-request-0001' };
    const body = { amount: 4, idempotencyKey: 'proxy-retry' };
    const first = await server.request('POST', at('/credits/top-ups'), { token: owner.token, body, headers });
    const retry = await server.request('POST', at('/credits/top-ups'), { token: owner.token, body, headers });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body.id).toBe(first.body.id);
    expect(first.body.meta.requestId).toBe('retried-request-0001');
  });

  it('answers 422 when a key is reused with another amount, and changes nothing', async () => {
    await topUp({ amount: 10, idempotencyKey: 'reuse' });
    const before = await server.ctx.store.ledger.balance(owner.workspaceId);
    const res = await topUp({ amount: 11, idempotencyKey: 'reuse' });
    expect(res.status).toBe(422);
    expect(expectErrorShape(res.body).error).toBe('idempotency_key_mismatch');
    expect(await server.ctx.store.ledger.balance(owner.workspaceId)).toEqual(before);
  });

  it('refuses hostile amounts with 400 naming /amount (B-08)', async () => {
    const before = await server.ctx.store.ledger.balance(owner.workspaceId);
    const raws = ['-100', '1.5', '"100"', '1e309', '9223372036854775808', 'null', '0'];
    for (const raw of raws) {
      const res = await server.request('POST', at('/credits/top-ups'), { token: owner.token, raw: `{"amount":${raw},"idempotencyKey":"hostile-${raws.indexOf(raw)}"}` });
      expect(res.status, raw).toBe(400);
      expect(res.body.details.map((d: { pointer: string }) => d.pointer), raw).toContain('/amount');
    }
    expect(await server.ctx.store.ledger.balance(owner.workspaceId)).toEqual(before);
  });

  it('refuses a chat-scoped key (403 naming the scope) and an admin (403 naming the role) (A-11)', async () => {
    const chatKey = await createApiKey(server, owner, ['chat'], 'owner');
    const byKey = await topUp({ amount: 5, idempotencyKey: 'by-chat-key' }, chatKey.key);
    expect(byKey.status).toBe(403);
    expect(byKey.body.message).toContain('requires scope admin');
    const admin = await addMember(server, owner, 'admin', 'Credit admin');
    const byAdmin = await topUp({ amount: 5, idempotencyKey: 'by-admin' }, admin.token);
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.message).toContain('requires role owner');
    const read = await server.request('GET', at('/credits'), { token: admin.token });
    expect(read.status).toBe(200);
  });

  it('lets an owner-role admin key top up', async () => {
    const adminKey = await createApiKey(server, owner, ['admin'], 'owner');
    const res = await topUp({ amount: 7, idempotencyKey: 'by-admin-key', kind: 'bonus' }, adminKey.key);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'bonus', amount: 7, meta: { by: owner.userId } });
  });
});

describe('ledger and usage', () => {
  it('pages the ledger newest first and filters by kind', async () => {
    const solo = await server.signUp('Ledger');
    await topUp({ amount: 1, idempotencyKey: 'a' }, solo.token, solo);
    await topUp({ amount: 2, idempotencyKey: 'b', kind: 'bonus' }, solo.token, solo);
    await topUp({ amount: 3, idempotencyKey: 'c' }, solo.token, solo);
    const page = await server.request('GET', `${at('/credits/ledger', solo)}?limit=2`, { token: solo.token });
    expect(page.body.items.map((e: { amount: number }) => e.amount)).toEqual([3, 2]);
    const rest = await server.request('GET', `${at('/credits/ledger', solo)}?limit=2&cursor=${encodeURIComponent(page.body.next)}`, { token: solo.token });
    expect(rest.body.items.map((e: { amount: number }) => e.amount)).toEqual([1]);
    const bonus = await server.request('GET', `${at('/credits/ledger', solo)}?kind=bonus`, { token: solo.token });
    expect(bonus.body.items.map((e: { key: string }) => e.key)).toEqual(['topup:b']);
    const bad = await server.request('GET', `${at('/credits/ledger', solo)}?kind=gift`, { token: solo.token });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].pointer).toBe('kind');
  });

  it('groups the usage of real LLM turns by day and by model', async () => {
    const solo = await server.signUp('Usage');
    await topUp({ amount: 10_000, idempotencyKey: 'usage-credits' }, solo.token, solo);
    const assistant = JSON.parse(await readFile(path.join(EXAMPLES, 'assistant.json'), 'utf8')) as FlowDocument;
    const { deployment } = await deployFlow(server, solo, assistant);
    await chat(server, solo.workspaceId, deployment.id, 'user-1', 'What do you sell?');
    const byModel = await server.request('GET', `${at('/credits/usage', solo)}?by=model`, { token: solo.token });
    expect(byModel.status).toBe(200);
    expect(byModel.body.by).toBe('model');
    expect(byModel.body.items).toEqual([expect.objectContaining({ group: 'gpt-4o-mini', calls: 1 })]);
    expect(byModel.body.items[0].credits).toBeGreaterThan(0);
    const byDay = await server.request('GET', at('/credits/usage', solo), { token: solo.token });
    expect(byDay.body.by).toBe('day');
    expect(byDay.body.items).toEqual([expect.objectContaining({ group: new Date().toISOString().slice(0, 10), credits: byModel.body.items[0].credits })]);
    expect(Date.parse(byDay.body.to) - Date.parse(byDay.body.from)).toBe(30 * 24 * 60 * 60 * 1000);
    const past = await server.request('GET', `${at('/credits/usage', solo)}?from=2020-01-01&to=2020-02-01T00:00:00Z`, { token: solo.token });
    expect(past.body.items).toEqual([]);
  });

  it('answers 400 naming by, from or to when they are wrong', async () => {
    for (const [query, name] of [['by=week', 'by'], ['from=yesterday', 'from'], ['to=2025-13-45', 'to'], ['from=2025-02-01&to=2025-01-01', 'from']]) {
      const res = await server.request('GET', `${at('/credits/usage')}?${query}`, { token: owner.token });
      expect(res.status, query).toBe(400);
      expect(res.body.details[0].pointer, query).toBe(name);
    }
  });
});
