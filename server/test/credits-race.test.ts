import { countTokens, holdFor, loadDefaultRates, rateFor } from '@nexusflow/nodes';
import { startFakeLlmServer, type FakeLlmServer } from '@nexusflow/nodes/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow, flowOf, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let fake: FakeLlmServer;

beforeAll(async () => {
  fake = await startFakeLlmServer({ responder: () => ({ text: 'short answer', tokenDelayMs: 5 }) });
  server = await startTestServer({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.openaiBaseURL, RATE_LIMIT_PER_MINUTE: '100000' });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await fake?.close();
});

describe('B-01 through HTTP: 100 concurrent turns against a balance that covers 10', () => {
  it('at least the 10 covered turns are served, the rest get 402; the balance never goes below zero and the ledger adds up', async () => {
    const { store } = server.ctx;
    const user = await store.users.create({ email: `race-${Date.now()}@example.com`, name: 'Race', passwordHash: 'x' });
    const workspaceId = (await store.workspaces.create({ name: 'race', ownerId: user.id })).id;
    const maxTokens = 1000;
    const text = 'What is the price?';
    const hold = holdFor({ rate: rateFor(loadDefaultRates(), 'openai', 'gpt-4o')!, feePercent: 0, inputTokens: countTokens([{ role: 'user', content: text }]), maxTokens });
    await store.ledger.adjust(workspaceId, 'seed', 'purchase', hold * 10);
    const deployment = await deployFlow(server, workspaceId, flowOf('race', [{ id: 'answer', type: 'core/llm', config: { model: 'gpt-4o', maxTokens } }]));

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        server.request('POST', `/api/v1/chat/${deployment.publishableKey}/messages`, { body: { contactId: `race-contact-${String(i).padStart(6, '0')}`, text } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    // Ten worst-case holds always fit; settled turns give back what they did not use, so a few more may.
    const served = statuses.filter((s) => s === 200).length;
    expect(served).toBeGreaterThanOrEqual(10);
    expect(served).toBeLessThan(100);
    expect(statuses.filter((s) => s === 402)).toHaveLength(100 - served);
    expect(results.find((r) => r.status === 402)?.body).toMatchObject({ error: 'insufficient_credits' });
    const audit = await store.ledger.audit(workspaceId);
    expect(audit.ok).toBe(true);
    expect(audit.balance).toBeGreaterThanOrEqual(0);
    expect(audit.held).toBe(0);
    const usage = (await store.ledger.entries(workspaceId)).filter((e) => e.kind === 'usage');
    expect(usage).toHaveLength(served);
    const charged = usage.reduce((sum, e) => sum - e.amount, 0);
    expect(audit.balance).toBe(hold * 10 - charged);
    expect(audit.sum).toBe(audit.balance);
    expect(fake.requests.length).toBe(served);
    expect(charged).toBeLessThanOrEqual(hold * 10);
  }, 120_000);
});
