import type { CreditLedger } from '@nexusflow/engine';
import { describe, expect, it } from 'vitest';
import { CreditError } from './errors.js';
import { createMemoryLedger } from './memory-ledger.js';

const WS = 'ws1';

/** The invariants RELIABILITY.md §8 checks after every destructive test. */
async function expectConsistent(ledger: CreditLedger, workspaceId = WS): Promise<void> {
  const { balance, available } = await ledger.balance(workspaceId);
  const entries = await ledger.entries(workspaceId);
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(available).toBeGreaterThanOrEqual(0);
  expect(available).toBeLessThanOrEqual(balance);
  expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
  expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
  for (const entry of entries) expect(Number.isSafeInteger(entry.amount)).toBe(true);
}

async function refused(promise: Promise<unknown>): Promise<CreditError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CreditError);
  return error as CreditError;
}

function fakeClock(start = 1_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('memory ledger', () => {
  it('B-01: 100 concurrent holds of 1 against a balance of 50 give exactly 50 holds', async () => {
    const ledger = createMemoryLedger();
    await ledger.adjust(WS, 'topup-1', 'purchase', 50);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => ledger.hold(WS, `step-${i}`, 1)));
    expect(results.filter((result) => result.ok)).toHaveLength(50);
    expect(results.filter((result) => !result.ok)[0]).toEqual({ ok: false, available: 0, needed: 1 });
    expect(await ledger.balance(WS)).toEqual({ balance: 50, available: 0 });
    // Settle them all concurrently too: each charges its 1.
    await Promise.all(results.map((result) => (result.ok ? ledger.settle(result.hold.holdId, 1) : undefined)));
    expect(await ledger.balance(WS)).toEqual({ balance: 0, available: 0 });
    await expectConsistent(ledger);
  });

  it('B-02: 20 parallel holds with one key give one hold; a changed amount is a key mismatch', async () => {
    const ledger = createMemoryLedger();
    await ledger.adjust(WS, 'topup-1', 'purchase', 100);
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger.hold(WS, 'same', 10)));
    const ids = new Set(results.map((result) => (result.ok ? result.hold.holdId : 'refused')));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.ok && !result.reused)).toHaveLength(1);
    expect(await ledger.balance(WS)).toEqual({ balance: 100, available: 90 });
    const mismatch = await refused(ledger.hold(WS, 'same', 11));
    expect(mismatch.code).toBe('idempotency_key_mismatch');
    expect(mismatch.message).toMatchInlineSnapshot(`"idempotency key "same" was first used for a hold of 10 credits; repeat that call exactly or use a new key"`);

    const settles = await Promise.all(Array.from({ length: 20 }, () => ledger.settle([...ids][0]!, 4)));
    expect(new Set(settles.map((s) => JSON.stringify(s)))).toEqual(new Set([JSON.stringify({ charged: 4, released: 6, overage: 0 })]));
    expect((await ledger.entries(WS)).filter((entry) => entry.kind === 'usage')).toHaveLength(1);
    await expectConsistent(ledger);
  });

  it('B-02: the same top-up key is applied once; different parameters are refused', async () => {
    const ledger = createMemoryLedger();
    const first = await Promise.all(Array.from({ length: 20 }, () => ledger.adjust(WS, 'stripe:evt_1', 'purchase', 500)));
    expect(new Set(first.map((entry) => entry.id)).size).toBe(1);
    expect((await ledger.balance(WS)).balance).toBe(500);
    const error = await refused(ledger.adjust(WS, 'stripe:evt_1', 'purchase', 5000));
    expect([error.code, error.field, error.message]).toMatchInlineSnapshot(`
      [
        "idempotency_key_mismatch",
        "key",
        "idempotency key "stripe:evt_1" was first used for a purchase of 500 credits; repeat that call exactly or use a new key",
      ]
    `);
    expect((await refused(ledger.adjust(WS, 'stripe:evt_1', 'bonus', 500))).code).toBe('idempotency_key_mismatch');
    await ledger.hold(WS, 'a-hold', 1);
    expect((await refused(ledger.adjust(WS, 'a-hold', 'bonus', 1))).code).toBe('idempotency_key_mismatch');
    expect((await refused(ledger.hold(WS, 'stripe:evt_1', 1))).code).toBe('idempotency_key_mismatch');
    await expectConsistent(ledger);
  });

  it('B-03: settling above the hold charges the hold and records the overage as uncollectable', async () => {
    const ledger = createMemoryLedger();
    await ledger.adjust(WS, 'topup-1', 'purchase', 20);
    const held = await ledger.hold(WS, 'call', 13);
    if (!held.ok) throw new Error('expected a hold');
    expect(await ledger.settle(held.hold.holdId, 53, { inputTokens: 1000 })).toEqual({ charged: 13, released: 0, overage: 40 });
    expect(await ledger.balance(WS)).toEqual({ balance: 7, available: 7 });
    const entries = await ledger.entries(WS);
    expect(entries.slice(1).map(({ kind, amount, balanceAfter, key, meta }) => ({ kind, amount, balanceAfter, key, meta }))).toEqual([
      { kind: 'usage', amount: -13, balanceAfter: 7, key: 'call', meta: { inputTokens: 1000, holdId: held.hold.holdId } },
      { kind: 'adjustment', amount: 0, balanceAfter: 7, key: 'call#overage', meta: { uncollectable: 40, holdId: held.hold.holdId } },
    ]);
    // A second settle returns the first result and writes nothing.
    expect(await ledger.settle(held.hold.holdId, 1)).toEqual({ charged: 13, released: 0, overage: 40 });
    expect(await ledger.entries(WS)).toHaveLength(3);
    await expectConsistent(ledger);
  });

  it('settles below the hold and releases the rest; release is a no-op afterwards', async () => {
    const ledger = createMemoryLedger();
    await ledger.adjust(WS, 'topup-1', 'purchase', 20);
    const held = await ledger.hold(WS, 'call', 13);
    if (!held.ok) throw new Error('expected a hold');
    expect(await ledger.settle(held.hold.holdId, 4)).toEqual({ charged: 4, released: 9, overage: 0 });
    await ledger.release(held.hold.holdId);
    expect(await ledger.balance(WS)).toEqual({ balance: 16, available: 16 });
    const other = await ledger.hold(WS, 'other', 16);
    if (!other.ok) throw new Error('expected a hold');
    await ledger.release(other.hold.holdId);
    await ledger.release(other.hold.holdId);
    expect(await ledger.balance(WS)).toEqual({ balance: 16, available: 16 });
    expect((await refused(ledger.release('hold_nope'))).code).toBe('unknown_hold');
    await expectConsistent(ledger);
  });

  it('B-06: a re-run step after a crash reuses its hold; expired holds are swept exactly once', async () => {
    const clock = fakeClock();
    const ledger = createMemoryLedger({ now: clock.now, defaultHoldTtlMs: 60_000 });
    await ledger.adjust(WS, 'topup-1', 'purchase', 30);
    const first = await ledger.hold(WS, 'session/1/3/llm', 10);
    // "crash": the step runs again and asks for the same hold.
    const again = await ledger.hold(WS, 'session/1/3/llm', 10);
    expect(again).toEqual({ ...first, reused: true });
    expect(await ledger.balance(WS)).toEqual({ balance: 30, available: 20 });

    const abandoned = await ledger.hold(WS, 'session/2/1/llm', 10, { ttlMs: 5_000 });
    clock.advance(5_000);
    expect(await ledger.sweepExpired()).toBe(1);
    expect(await ledger.sweepExpired()).toBe(0);
    expect(await ledger.balance(WS)).toEqual({ balance: 30, available: 20 });
    clock.advance(55_000);
    expect(await ledger.sweepExpired()).toBe(1);
    expect(await ledger.balance(WS)).toEqual({ balance: 30, available: 30 });

    // A step re-run after the sweeper gets its hold back, covered again.
    const revived = await ledger.hold(WS, 'session/2/1/llm', 10);
    expect(revived.ok && revived.reused && abandoned.ok && revived.hold.holdId === abandoned.hold.holdId).toBe(true);
    expect(await ledger.balance(WS)).toEqual({ balance: 30, available: 20 });
    await expectConsistent(ledger);
  });

  it('settling a swept hold charges at most what is available, the rest as overage', async () => {
    const clock = fakeClock();
    const ledger = createMemoryLedger({ now: clock.now });
    await ledger.adjust(WS, 'topup-1', 'purchase', 10);
    const held = await ledger.hold(WS, 'late', 8, { ttlMs: 1 });
    if (!held.ok) throw new Error('expected a hold');
    clock.advance(1);
    await ledger.sweepExpired();
    await ledger.hold(WS, 'someone-else', 7);
    expect(await ledger.settle(held.hold.holdId, 6)).toEqual({ charged: 3, released: 0, overage: 3 });
    expect(await ledger.balance(WS)).toEqual({ balance: 7, available: 0 });
    await expectConsistent(ledger);
  });

  it('B-08: refuses hostile amounts with the field named', async () => {
    const ledger = createMemoryLedger();
    const hostile: unknown[] = [-100, 1.5, '100', 1e309, 2 ** 63, null, Number.NaN, undefined];
    const messages: string[] = [];
    for (const amount of hostile) {
      const error = await refused(ledger.adjust(WS, `topup-${messages.length}`, 'purchase', amount as number));
      expect([error.code, error.field]).toEqual(['invalid_amount', 'amount']);
      messages.push(error.message);
      expect((await refused(ledger.hold(WS, `hold-${messages.length}`, amount as number))).field).toBe('amount');
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "amount must be a whole number of credits from 0 to 9007199254740991; got -100",
        "amount must be a whole number of credits from 0 to 9007199254740991; got 1.5",
        "amount must be a whole number of credits from 0 to 9007199254740991; got "100"",
        "amount must be a whole number of credits from 0 to 9007199254740991; got Infinity",
        "amount must be a whole number of credits from 0 to 9007199254740991; got 9223372036854776000",
        "amount must be a whole number of credits from 0 to 9007199254740991; got null",
        "amount must be a whole number of credits from 0 to 9007199254740991; got NaN",
        "amount must be a whole number of credits from 0 to 9007199254740991; got nothing",
      ]
    `);
    expect((await refused(ledger.adjust(WS, '', 'purchase', 1))).field).toBe('key');
    expect((await refused(ledger.adjust('', 'k', 'purchase', 1))).field).toBe('workspaceId');
    expect((await refused(ledger.adjust(WS, 'k', 'usage' as 'purchase', 1))).field).toBe('kind');
    expect((await refused(ledger.adjust(WS, 'x#overage', 'purchase', 1))).code).toBe('invalid_key');
    expect(await ledger.entries(WS)).toEqual([]);
  });

  it('lets an adjustment remove credits, never below what is available', async () => {
    const ledger = createMemoryLedger();
    await ledger.adjust(WS, 'topup-1', 'purchase', 10);
    await ledger.hold(WS, 'h', 4);
    expect((await refused(ledger.adjust(WS, 'fix-1', 'adjustment', -7))).code).toBe('insufficient_credits');
    expect((await ledger.adjust(WS, 'fix-2', 'adjustment', -6)).balanceAfter).toBe(4);
    expect((await refused(ledger.adjust(WS, 'refund-1', 'refund', -1))).code).toBe('invalid_amount');
    expect(await ledger.balance(WS)).toEqual({ balance: 4, available: 0 });
    await expectConsistent(ledger);
  });

  it('keeps workspaces apart and history private', async () => {
    const ledger = createMemoryLedger();
    const entry = await ledger.adjust('a', 'k', 'purchase', 5, { note: 'x' });
    await ledger.adjust('b', 'k', 'purchase', 7);
    entry.amount = 1000;
    (entry.meta as { note: string }).note = 'changed';
    expect(await ledger.balance('a')).toEqual({ balance: 5, available: 5 });
    expect(await ledger.balance('b')).toEqual({ balance: 7, available: 7 });
    expect((await ledger.entries('a'))[0]?.meta).toEqual({ note: 'x' });
    expect(await ledger.balance('nobody')).toEqual({ balance: 0, available: 0 });
  });
});
