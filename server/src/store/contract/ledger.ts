import type { HoldResult } from '@nexusflow/engine';
import { describe, expect, it } from 'vitest';
import type { ServerLedger } from '../types.js';
import { creditError, unique, useStore, walkPages } from './helpers.js';
import type { OpenStore } from './types.js';

/** The invariants checked after every destructive ledger test (RELIABILITY.md §8), plus the store's own audit. */
export async function expectConsistent(ledger: ServerLedger, workspaceId: string): Promise<void> {
  const { balance, available } = await ledger.balance(workspaceId);
  const entries = await ledger.entries(workspaceId);
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(available).toBeGreaterThanOrEqual(0);
  expect(available).toBeLessThanOrEqual(balance);
  expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
  expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
  for (const entry of entries) expect(Number.isSafeInteger(entry.amount)).toBe(true);
  expect(await ledger.audit(workspaceId)).toEqual({ balance, sum: balance, held: balance - available, ok: true });
}

function holdOf(result: HoldResult) {
  if (!result.ok) throw new Error(`expected a hold, got ${JSON.stringify(result)}`);
  return result.hold;
}

/**
 * The credit ledger: the semantics of nodes' in-memory reference ledger (the same cases as its
 * memory-ledger.test.ts, on a real clock), concurrency (B-01, B-02), hostile amounts (B-08), expiry,
 * and the server's reads (page, usage, audit).
 */
export function ledgerContract(open: OpenStore): void {
  describe('credit ledger', () => {
    const store = useStore(open);
    const ledger = () => store().ledger;

    it('B-01: 100 concurrent holds of 1 against a balance of 50 give exactly 50 holds', async () => {
      const W = unique('ws');
      await ledger().adjust(W, 'topup-1', 'purchase', 50);
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => ledger().hold(W, `step-${i}`, 1)));
      expect(results.filter((result) => result.ok)).toHaveLength(50);
      expect(results.filter((result) => !result.ok)[0]).toEqual({ ok: false, available: 0, needed: 1 });
      expect(await ledger().balance(W)).toEqual({ balance: 50, available: 0 });
      await expectConsistent(ledger(), W);
      const settled = await Promise.all(results.map((result) => (result.ok ? ledger().settle(result.hold.holdId, 1) : undefined)));
      expect(settled.filter((s) => s !== undefined)).toEqual(Array.from({ length: 50 }, () => ({ charged: 1, released: 0, overage: 0 })));
      expect(await ledger().balance(W)).toEqual({ balance: 0, available: 0 });
      await expectConsistent(ledger(), W);
    });

    it('B-02: 20 parallel holds with one key give one hold; a changed amount is a key mismatch', async () => {
      const W = unique('ws');
      await ledger().adjust(W, 'topup-1', 'purchase', 100);
      const results = await Promise.all(Array.from({ length: 20 }, () => ledger().hold(W, 'same', 10)));
      const ids = new Set(results.map((result) => holdOf(result).holdId));
      expect(ids.size).toBe(1);
      expect(results.filter((result) => result.ok && !result.reused)).toHaveLength(1);
      expect(await ledger().balance(W)).toEqual({ balance: 100, available: 90 });
      const mismatch = await creditError(ledger().hold(W, 'same', 11));
      expect([mismatch.code, mismatch.field, mismatch.message]).toEqual([
        'idempotency_key_mismatch',
        'key',
        'idempotency key "same" was first used for a hold of 10 credits; repeat that call exactly or use a new key',
      ]);

      const settles = await Promise.all(Array.from({ length: 20 }, () => ledger().settle([...ids][0]!, 4)));
      expect(settles).toEqual(Array.from({ length: 20 }, () => ({ charged: 4, released: 6, overage: 0 })));
      expect((await ledger().entries(W)).filter((entry) => entry.kind === 'usage')).toHaveLength(1);
      await expectConsistent(ledger(), W);
    });

    it('B-02: the same top-up key is applied once; different parameters are refused', async () => {
      const W = unique('ws');
      const first = await Promise.all(Array.from({ length: 20 }, () => ledger().adjust(W, 'stripe:evt_1', 'purchase', 500, { invoice: 'in_1' })));
      expect(new Set(first.map((entry) => entry.id)).size).toBe(1);
      expect(first[0]).toMatchObject({ workspaceId: W, kind: 'purchase', amount: 500, balanceAfter: 500, key: 'stripe:evt_1', meta: { invoice: 'in_1' } });
      expect(first.every((entry) => JSON.stringify(entry) === JSON.stringify(first[0]))).toBe(true);
      expect((await ledger().balance(W)).balance).toBe(500);
      const error = await creditError(ledger().adjust(W, 'stripe:evt_1', 'purchase', 5000));
      expect([error.code, error.field, error.message]).toEqual([
        'idempotency_key_mismatch',
        'key',
        'idempotency key "stripe:evt_1" was first used for a purchase of 500 credits; repeat that call exactly or use a new key',
      ]);
      expect((await creditError(ledger().adjust(W, 'stripe:evt_1', 'bonus', 500))).code).toBe('idempotency_key_mismatch');
      await ledger().hold(W, 'a-hold', 1);
      expect((await creditError(ledger().adjust(W, 'a-hold', 'bonus', 1))).message).toContain('was first used for a hold');
      const entryKey = await creditError(ledger().hold(W, 'stripe:evt_1', 1));
      expect([entryKey.code, entryKey.message]).toEqual([
        'idempotency_key_mismatch',
        'idempotency key "stripe:evt_1" was first used for a purchase entry; repeat that call exactly or use a new key',
      ]);
      expect(await ledger().entries(W)).toHaveLength(1);
      await expectConsistent(ledger(), W);
    });

    it('B-03: settling above the hold charges the hold and records the overage as uncollectable', async () => {
      const W = unique('ws');
      await ledger().adjust(W, 'topup-1', 'purchase', 20);
      const hold = holdOf(await ledger().hold(W, 'call', 13, { meta: { model: 'gpt-x' } }));
      expect(hold).toMatchObject({ workspaceId: W, amount: 13, key: 'call' });
      expect(await ledger().settle(hold.holdId, 53, { inputTokens: 1000 })).toEqual({ charged: 13, released: 0, overage: 40 });
      expect(await ledger().balance(W)).toEqual({ balance: 7, available: 7 });
      const entries = await ledger().entries(W);
      expect(entries.slice(1).map(({ kind, amount, balanceAfter, key, meta }) => ({ kind, amount, balanceAfter, key, meta }))).toEqual([
        { kind: 'usage', amount: -13, balanceAfter: 7, key: 'call', meta: { model: 'gpt-x', inputTokens: 1000, holdId: hold.holdId } },
        { kind: 'adjustment', amount: 0, balanceAfter: 7, key: 'call#overage', meta: { uncollectable: 40, holdId: hold.holdId } },
      ]);
      // A second settle answers the first result and writes nothing.
      expect(await ledger().settle(hold.holdId, 1)).toEqual({ charged: 13, released: 0, overage: 40 });
      expect(await ledger().entries(W)).toHaveLength(3);
      await expectConsistent(ledger(), W);
    });

    it('settles below the hold and releases the rest; release is a no-op afterwards', async () => {
      const W = unique('ws');
      await ledger().adjust(W, 'topup-1', 'purchase', 20);
      const hold = holdOf(await ledger().hold(W, 'call', 13));
      expect(await ledger().settle(hold.holdId, 4)).toEqual({ charged: 4, released: 9, overage: 0 });
      await ledger().release(hold.holdId);
      expect(await ledger().balance(W)).toEqual({ balance: 16, available: 16 });
      const other = holdOf(await ledger().hold(W, 'other', 16));
      await ledger().release(other.holdId);
      await ledger().release(other.holdId);
      expect(await ledger().balance(W)).toEqual({ balance: 16, available: 16 });
      const unknown = await creditError(ledger().release('hold_nope'));
      expect([unknown.code, unknown.field, unknown.message]).toEqual(['unknown_hold', 'holdId', 'no hold has the id "hold_nope"']);
      expect((await creditError(ledger().settle('hold_nope', 1))).code).toBe('unknown_hold');
      await expectConsistent(ledger(), W);
    });

    it('B-06: a re-run step reuses its hold; expired holds are swept exactly once and reopen on re-use', async () => {
      await ledger().sweepExpired();
      const W = unique('ws');
      await ledger().adjust(W, 'topup-1', 'purchase', 30);
      const first = holdOf(await ledger().hold(W, 'session/1/3/llm', 10));
      const again = await ledger().hold(W, 'session/1/3/llm', 10);
      expect(again).toMatchObject({ ok: true, reused: true, hold: { holdId: first.holdId, amount: 10, key: 'session/1/3/llm', workspaceId: W } });
      expect(holdOf(again).expiresAt).toBeGreaterThanOrEqual(first.expiresAt);
      expect(await ledger().balance(W)).toEqual({ balance: 30, available: 20 });

      // ttlMs 0: expired at once, without waiting on the clock.
      const abandoned = holdOf(await ledger().hold(W, 'session/2/1/llm', 10, { ttlMs: 0 }));
      expect(await ledger().balance(W)).toEqual({ balance: 30, available: 10 });
      const swept = await Promise.all([ledger().sweepExpired(), ledger().sweepExpired(), ledger().sweepExpired()]);
      expect(swept.sort((x, y) => x - y)).toEqual([0, 0, 1]);
      expect(await ledger().sweepExpired()).toBe(0);
      expect(await ledger().balance(W)).toEqual({ balance: 30, available: 20 });
      // Releasing a swept hold is a no-op.
      await ledger().release(abandoned.holdId);
      expect(await ledger().balance(W)).toEqual({ balance: 30, available: 20 });

      // A step re-run after the sweeper gets its hold back, covered again.
      const revived = await ledger().hold(W, 'session/2/1/llm', 10);
      expect(revived).toMatchObject({ ok: true, reused: true, hold: { holdId: abandoned.holdId } });
      expect(await ledger().balance(W)).toEqual({ balance: 30, available: 10 });
      // ... unless the credits are gone meanwhile.
      await ledger().release(abandoned.holdId);
      const blocker = holdOf(await ledger().hold(W, 'blocker', 15));
      expect(await ledger().hold(W, 'session/2/1/llm', 10)).toEqual({ ok: false, available: 5, needed: 10 });
      await ledger().release(blocker.holdId);
      await expectConsistent(ledger(), W);
    });

    it('settling a swept hold charges at most what is available, the rest as overage', async () => {
      await ledger().sweepExpired();
      const W = unique('ws');
      await ledger().adjust(W, 'topup-1', 'purchase', 10);
      const hold = holdOf(await ledger().hold(W, 'late', 8, { ttlMs: 0 }));
      expect(await ledger().sweepExpired()).toBe(1);
      await ledger().hold(W, 'someone-else', 7);
      expect(await ledger().settle(hold.holdId, 6)).toEqual({ charged: 3, released: 0, overage: 3 });
      expect(await ledger().balance(W)).toEqual({ balance: 7, available: 0 });
      await expectConsistent(ledger(), W);
    });

    it('B-08: refuses hostile amounts with the field named, writing nothing', async () => {
      const W = unique('ws');
      const hostile: unknown[] = [-100, 1.5, '100', 1e309, 2 ** 63, null, Number.NaN, undefined];
      const messages: string[] = [];
      for (const [i, amount] of hostile.entries()) {
        const error = await creditError(ledger().adjust(W, `topup-${i}`, 'purchase', amount as number));
        expect([error.code, error.field]).toEqual(['invalid_amount', 'amount']);
        messages.push(error.message);
        const onHold = await creditError(ledger().hold(W, `hold-${i}`, amount as number));
        expect([onHold.code, onHold.field]).toEqual(['invalid_amount', 'amount']);
      }
      expect(messages).toEqual([
        'amount must be a whole number of credits from 0 to 9007199254740991; got -100',
        'amount must be a whole number of credits from 0 to 9007199254740991; got 1.5',
        'amount must be a whole number of credits from 0 to 9007199254740991; got "100"',
        'amount must be a whole number of credits from 0 to 9007199254740991; got Infinity',
        'amount must be a whole number of credits from 0 to 9007199254740991; got 9223372036854776000',
        'amount must be a whole number of credits from 0 to 9007199254740991; got null',
        'amount must be a whole number of credits from 0 to 9007199254740991; got NaN',
        'amount must be a whole number of credits from 0 to 9007199254740991; got nothing',
      ]);
      expect(await ledger().entries(W)).toEqual([]);
      expect(await ledger().balance(W)).toEqual({ balance: 0, available: 0 });

      // Settle checks its amount too, and a hostile settle leaves the hold open.
      await ledger().adjust(W, 'topup', 'purchase', 10);
      const hold = holdOf(await ledger().hold(W, 'h', 5));
      for (const amount of [-1, 0.5, '3', null]) {
        const error = await creditError(ledger().settle(hold.holdId, amount as number));
        expect([error.code, error.field]).toEqual(['invalid_amount', 'amount']);
      }
      expect(await ledger().balance(W)).toEqual({ balance: 10, available: 5 });
      const ttl = await creditError(ledger().hold(W, 'h2', 1, { ttlMs: -1 }));
      expect([ttl.code, ttl.field]).toEqual(['invalid_amount', 'ttlMs']);

      expect((await creditError(ledger().adjust(W, '', 'purchase', 1))).field).toBe('key');
      expect((await creditError(ledger().adjust(W, 'k'.repeat(513), 'purchase', 1))).field).toBe('key');
      expect((await creditError(ledger().adjust('', 'k', 'purchase', 1))).field).toBe('workspaceId');
      expect((await creditError(ledger().hold('', 'k', 1))).field).toBe('workspaceId');
      const kind = await creditError(ledger().adjust(W, 'k', 'usage' as 'purchase', 1));
      expect([kind.code, kind.field]).toEqual(['invalid_argument', 'kind']);
      const overage = await creditError(ledger().adjust(W, 'x#overage', 'purchase', 1));
      expect([overage.code, overage.field]).toEqual(['invalid_key', 'key']);
      expect((await creditError(ledger().hold(W, 'y#overage', 1))).code).toBe('invalid_key');
      const meta = await creditError(ledger().adjust(W, 'm', 'purchase', 1, [] as unknown as Record<string, unknown>));
      expect([meta.code, meta.field]).toEqual(['invalid_argument', 'meta']);
      expect(await ledger().entries(W)).toHaveLength(1);
      await ledger().release(hold.holdId);
      await expectConsistent(ledger(), W);
    });

    it('lets an adjustment remove credits, never below what is available', async () => {
      const W = unique('ws');
      await ledger().adjust(W, 'topup-1', 'purchase', 10);
      await ledger().hold(W, 'h', 4);
      const short = await creditError(ledger().adjust(W, 'fix-1', 'adjustment', -7));
      expect([short.code, short.field, short.message]).toEqual(['insufficient_credits', 'amount', 'an adjustment of -7 needs 7 available credits; 6 are']);
      expect((await ledger().adjust(W, 'fix-2', 'adjustment', -6)).balanceAfter).toBe(4);
      expect((await creditError(ledger().adjust(W, 'refund-1', 'refund', -1))).code).toBe('invalid_amount');
      expect(await ledger().balance(W)).toEqual({ balance: 4, available: 0 });
      await expectConsistent(ledger(), W);
    });

    it('refuses a hold beyond the available credits without binding its key; a zero hold is fine', async () => {
      const W = unique('ws');
      expect(await ledger().hold(W, 'k', 1)).toEqual({ ok: false, available: 0, needed: 1 });
      expect(holdOf(await ledger().hold(W, 'zero', 0)).amount).toBe(0);
      await ledger().adjust(W, 'topup', 'purchase', 2);
      expect(await ledger().hold(W, 'k', 3)).toEqual({ ok: false, available: 2, needed: 3 });
      // The refused key was not bound: it may come back with another amount.
      expect(await ledger().hold(W, 'k', 2)).toMatchObject({ ok: true, reused: false });
      await expectConsistent(ledger(), W);
    });

    it('keeps workspaces apart and history private', async () => {
      const A = unique('ws');
      const B = unique('ws');
      const entry = await ledger().adjust(A, 'k', 'purchase', 5, { note: 'x' });
      await ledger().adjust(B, 'k', 'purchase', 7);
      const theirHold = holdOf(await ledger().hold(B, 'call', 3, { meta: { model: 'm' } }));
      await ledger().settle(theirHold.holdId, 2, { inputTokens: 1, outputTokens: 1 });
      const before = { balance: await ledger().balance(B), entries: await ledger().entries(B), page: await ledger().page(B) };

      entry.amount = 1000;
      (entry.meta as { note: string }).note = 'changed';
      expect(await ledger().balance(A)).toEqual({ balance: 5, available: 5 });
      expect((await ledger().entries(A)).map((e) => [e.key, e.amount, e.meta])).toEqual([['k', 5, { note: 'x' }]]);
      expect((await ledger().page(A)).items.map((e) => e.workspaceId)).toEqual([A]);
      expect(await ledger().usage(A, 'model', { from: 0, to: Date.now() + 86_400_000 })).toEqual([]);
      // A's key "call" is its own: the same key in B is no mismatch.
      expect(await ledger().hold(A, 'call', 1)).toMatchObject({ ok: true, reused: false });
      expect(await ledger().balance('nobody')).toEqual({ balance: 0, available: 0 });
      expect(await ledger().entries('nobody')).toEqual([]);
      expect(await ledger().balance(B)).toEqual(before.balance);
      expect(await ledger().entries(B)).toEqual(before.entries);
      expect(await ledger().page(B)).toEqual(before.page);
    });

    it('pages entries newest first, optionally by kind', async () => {
      const W = unique('ws');
      for (let i = 1; i <= 5; i += 1) await ledger().adjust(W, `topup-${i}`, i % 2 === 0 ? 'bonus' : 'purchase', i);
      const hold = holdOf(await ledger().hold(W, 'call', 3));
      await ledger().settle(hold.holdId, 2);
      const walked = await walkPages((cursor) => ledger().page(W, { limit: 2, ...(cursor === undefined ? {} : { cursor }) }), 2);
      expect(walked.sizes).toEqual([2, 2, 2]);
      expect(walked.items.map((e) => e.key)).toEqual(['call', 'topup-5', 'topup-4', 'topup-3', 'topup-2', 'topup-1']);
      expect((await ledger().page(W, { kind: 'bonus' })).items.map((e) => e.key)).toEqual(['topup-4', 'topup-2']);
      expect((await ledger().page(W, { kind: 'usage' })).items.map((e) => [e.key, e.amount])).toEqual([['call', -2]]);
      expect(await ledger().page(W, { kind: 'refund' })).toEqual({ items: [] });
      expect((await ledger().page(W)).items).toHaveLength(6);
    });

    it('reports usage by day and by model from the LLM meta, and audits the ledger', async () => {
      const W = unique('ws');
      await ledger().adjust(W, 'topup', 'purchase', 1_000);
      const calls = [
        { model: 'gpt-4o', cost: 10, inputTokens: 100, outputTokens: 20 },
        { model: 'gpt-4o', cost: 5, inputTokens: 50, outputTokens: 10 },
        { model: 'claude-sonnet', cost: 7, inputTokens: 70, outputTokens: 7 },
      ];
      for (const [i, call] of calls.entries()) {
        const meta = { provider: 'openai', model: call.model, nodeId: 'llm', sessionKey: 's' };
        const hold = holdOf(await ledger().hold(W, `call-${i}`, 20, { meta }));
        await ledger().settle(hold.holdId, call.cost, { ...meta, inputTokens: call.inputTokens, outputTokens: call.outputTokens, cost: call.cost });
      }
      const range = { from: 0, to: Date.now() + 86_400_000 };
      const byModel = await ledger().usage(W, 'model', range);
      expect([...byModel].sort((x, y) => x.group.localeCompare(y.group))).toEqual([
        { group: 'claude-sonnet', credits: 7, inputTokens: 70, outputTokens: 7, calls: 1 },
        { group: 'gpt-4o', credits: 15, inputTokens: 150, outputTokens: 30, calls: 2 },
      ]);
      const usage = (await ledger().entries(W)).filter((e) => e.kind === 'usage');
      const days = [...new Set(usage.map((e) => new Date(e.at).toISOString().slice(0, 10)))];
      const byDay = await ledger().usage(W, 'day', range);
      expect(byDay.map((row) => row.group).sort()).toEqual(days.sort());
      expect(byDay.reduce((sum, row) => sum + row.credits, 0)).toBe(22);
      expect(byDay.reduce((sum, row) => sum + row.calls, 0)).toBe(3);
      expect(byDay.reduce((sum, row) => sum + row.inputTokens + row.outputTokens, 0)).toBe(257);
      expect(await ledger().usage(W, 'day', { from: 0, to: 1 })).toEqual([]);

      await ledger().hold(W, 'open', 100);
      expect(await ledger().audit(W)).toEqual({ balance: 978, sum: 978, held: 100, ok: true });
      expect(await ledger().audit(unique('ws'))).toMatchObject({ balance: 0, sum: 0, held: 0, ok: true });
    });
  });
}
