import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayment } from '../../src/http/routes/index.js';
import { startTestServer, type TestServer } from '../harness.js';
import { API, expectErrorShape, type Owner } from './fixtures.js';

const SECRET = 'whsec_test_0123456789abcdef';
const ENV = { PAYMENT_WEBHOOK_SECRET: SECRET };
const WEBHOOK = `${API}/webhooks/payments`;

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer(ENV);
  owner = await server.signUp('Payer');
});
afterAll(async () => server?.stop());

const nowSeconds = () => Math.floor(Date.now() / 1000);

function purchase(id: string, workspaceId: string, credits: number) {
  return JSON.stringify({ id, type: 'credits.purchased', data: { workspaceId, credits, reference: `invoice ${id}` } });
}

function deliver(target: TestServer, body: string, signature = signPayment(SECRET, body, nowSeconds())) {
  return target.request('POST', WEBHOOK, { raw: body, headers: { 'X-Nexusflow-Signature': signature } });
}

describe('payment webhook (B-07)', () => {
  it('credits a purchase once when the same event arrives 5 times at once, and once more after a restart', async () => {
    const first = await startTestServer(ENV);
    let second: TestServer | undefined;
    try {
      const payer = await first.signUp('Replayed');
      const body = purchase('evt_replayed', payer.workspaceId, 500);
      const signature = signPayment(SECRET, body, nowSeconds());
      const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(first, body, signature)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(answers.filter((a) => a.body.applied === true)).toHaveLength(1);
      expect(answers.filter((a) => a.body.duplicate === true)).toHaveLength(4);
      expect(await first.ctx.store.ledger.balance(payer.workspaceId)).toEqual({ balance: 500, available: 500 });

      await first.close();
      second = await startTestServer({ ...ENV, DATA_DIR: first.dataDir });
      const replay = await deliver(second, body);
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({ applied: false, duplicate: true });
      expect(await second.ctx.store.ledger.balance(payer.workspaceId)).toEqual({ balance: 500, available: 500 });
      const entries = await second.ctx.store.ledger.entries(payer.workspaceId);
      expect(entries).toEqual([expect.objectContaining({ kind: 'purchase', amount: 500, key: 'payment:evt_replayed', meta: expect.objectContaining({ eventId: 'evt_replayed', reference: 'invoice evt_replayed' }) })]);
    } finally {
      await first.close();
      await second?.stop();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad signature, a re-serialised body, an old timestamp and a missing header with 401, changing nothing', async () => {
    const body = purchase('evt_forged', owner.workspaceId, 1000);
    const good = signPayment(SECRET, body, nowSeconds());
    const cases: [string, string, Record<string, string>][] = [
      ['wrong secret', body, { 'X-Nexusflow-Signature': signPayment('not-the-secret-at-all', body, nowSeconds()) }],
      ['flipped mac', body, { 'X-Nexusflow-Signature': good.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`) }],
      ['re-serialised body', JSON.stringify(JSON.parse(body), null, 2), { 'X-Nexusflow-Signature': good }],
      ['old timestamp', body, { 'X-Nexusflow-Signature': signPayment(SECRET, body, nowSeconds() - 360) }],
      ['future timestamp', body, { 'X-Nexusflow-Signature': signPayment(SECRET, body, nowSeconds() + 360) }],
      ['garbage header', body, { 'X-Nexusflow-Signature': 'hello' }],
      ['no header', body, {}],
    ];
    for (const [name, raw, headers] of cases) {
      const res = await server.request('POST', WEBHOOK, { raw, headers });
      expect(res.status, name).toBe(401);
      expect(expectErrorShape(res.body).error, name).toBe('invalid_signature');
    }
    expect(await server.ctx.store.ledger.balance(owner.workspaceId)).toEqual({ balance: 0, available: 0 });
    expect(await server.ctx.store.ledger.entries(owner.workspaceId)).toEqual([]);
    expect(server.logs.filter((line) => line.includes('payment webhook refused')).length).toBeGreaterThanOrEqual(cases.length);
    expect(server.logs.join('\n')).not.toContain(SECRET);
  });

  it('accepts a signature with several v1 values when one matches', async () => {
    const body = purchase('evt_rotated', owner.workspaceId, 3);
    const t = nowSeconds();
    const header = `t=${t},v1=${'0'.repeat(64)},${signPayment(SECRET, body, t).split(',')[1]}`;
    const res = await deliver(server, body, header);
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(true);
    expect(res.body.entry).toMatchObject({ amount: 3, key: 'payment:evt_rotated' });
  });

  it('answers 404 for an unknown workspace and ignores other event types', async () => {
    const unknown = await deliver(server, purchase('evt_lost', 'no-such-workspace', 10));
    expect(unknown.status).toBe(404);
    const refund = JSON.stringify({ id: 'evt_other', type: 'charge.refunded', data: { workspaceId: owner.workspaceId, credits: 10 } });
    const ignored = await deliver(server, refund);
    expect(ignored.status).toBe(200);
    expect(ignored.body).toEqual({ applied: false, ignored: true });
  });

  it('refuses hostile credit amounts with 400 naming the field', async () => {
    for (const credits of ['-5', '1.5', '"10"', '1e309', 'null']) {
      const body = `{"id":"evt_hostile","type":"credits.purchased","data":{"workspaceId":"${owner.workspaceId}","credits":${credits}}}`;
      const res = await deliver(server, body);
      expect(res.status, credits).toBe(400);
      expect(res.body.details.map((d: { pointer: string }) => d.pointer), credits).toContain('/data/credits');
    }
  });

  it('answers 503 webhook_not_configured without a secret', async () => {
    const bare = await startTestServer();
    try {
      const body = purchase('evt_unconfigured', 'ws', 1);
      const res = await deliver(bare, body);
      expect(res.status).toBe(503);
      expect(expectErrorShape(res.body).error).toBe('webhook_not_configured');
    } finally {
      await bare.stop();
    }
  });
});
