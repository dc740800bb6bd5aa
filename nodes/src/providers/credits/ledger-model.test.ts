import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CreditError } from './errors.js';
import { createMemoryLedger, type MemoryLedger } from './memory-ledger.js';

/*
 * B-09: random sequences of top-up, refund, hold (a repeated key is the crash-and-re-run case),
 * settle, release and sweep, checked against a plain model after every command.
 */

const WS = 'ws';
const TTL = 1_000;
const KEYS = 4;

interface ModelHold {
  amount: number;
  state: 'open' | 'settled' | 'released' | 'expired';
}
interface Model {
  balance: number;
  holds: Map<string, ModelHold>;
  adjustments: number;
}
interface Real {
  ledger: MemoryLedger;
  holdIds: Map<string, string>;
  advance(ms: number): void;
}

const held = (model: Model) => [...model.holds.values()].filter((h) => h.state === 'open').reduce((sum, h) => sum + h.amount, 0);

async function check(model: Model, real: Real): Promise<void> {
  const { balance, available } = await real.ledger.balance(WS);
  const entries = await real.ledger.entries(WS);
  expect(balance).toBe(model.balance);
  expect(available).toBe(model.balance - held(model));
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(available).toBeGreaterThanOrEqual(0);
  expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
  expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
}

class TopUp implements fc.AsyncCommand<Model, Real> {
  constructor(readonly kind: 'purchase' | 'refund', readonly amount: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await real.ledger.adjust(WS, `${this.kind}-${model.adjustments++}`, this.kind, this.amount);
    model.balance += this.amount;
    await check(model, real);
  }
  toString = () => `${this.kind}(${this.amount})`;
}

class Hold implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string, readonly amount: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const known = model.holds.get(this.key);
    const available = model.balance - held(model);
    if (known !== undefined && known.amount !== this.amount) {
      await expect(real.ledger.hold(WS, this.key, this.amount)).rejects.toSatisfy((e) => e instanceof CreditError && e.code === 'idempotency_key_mismatch');
    } else {
      const result = await real.ledger.hold(WS, this.key, this.amount, { ttlMs: TTL });
      const reopens = known !== undefined && (known.state === 'released' || known.state === 'expired');
      const fits = known?.state === 'open' || known?.state === 'settled' || available >= this.amount;
      expect(result.ok).toBe(fits);
      if (result.ok) {
        expect(result.reused).toBe(known !== undefined);
        if (known === undefined) model.holds.set(this.key, { amount: this.amount, state: 'open' });
        else if (reopens) known.state = 'open';
        real.holdIds.set(this.key, result.hold.holdId);
      }
    }
    await check(model, real);
  }
  toString = () => `hold(${this.key}, ${this.amount})`;
}

class Settle implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string, readonly usage: number) {}
  check = (model: Readonly<Model>) => model.holds.has(this.key);
  async run(model: Model, real: Real) {
    const hold = model.holds.get(this.key)!;
    const result = await real.ledger.settle(real.holdIds.get(this.key)!, this.usage);
    if (hold.state !== 'settled') {
      const cover = hold.state === 'open' ? hold.amount : Math.min(hold.amount, model.balance - held(model));
      const charged = Math.min(this.usage, cover);
      expect(result).toEqual({ charged, released: hold.state === 'open' ? hold.amount - charged : 0, overage: this.usage - charged });
      model.balance -= charged;
      hold.state = 'settled';
    }
    await check(model, real);
  }
  toString = () => `settle(${this.key}, ${this.usage})`;
}

class Release implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check = (model: Readonly<Model>) => model.holds.has(this.key);
  async run(model: Model, real: Real) {
    await real.ledger.release(real.holdIds.get(this.key)!);
    const hold = model.holds.get(this.key)!;
    if (hold.state === 'open') hold.state = 'released';
    await check(model, real);
  }
  toString = () => `release(${this.key})`;
}

class Sweep implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    real.advance(TTL);
    const open = [...model.holds.values()].filter((h) => h.state === 'open');
    expect(await real.ledger.sweepExpired()).toBe(open.length);
    for (const hold of open) hold.state = 'expired';
    await check(model, real);
  }
  toString = () => 'sweep';
}

describe('memory ledger against a model (B-09)', () => {
  it('keeps balance = model, balance >= 0 and sum(entries) = balance after every command', async () => {
    const key = fc.integer({ min: 0, max: KEYS - 1 }).map((i) => `step-${i}`);
    const commands = fc.commands(
      [
        fc.integer({ min: 0, max: 50 }).map((n) => new TopUp('purchase', n)),
        fc.integer({ min: 0, max: 5 }).map((n) => new TopUp('refund', n)),
        fc.tuple(key, fc.integer({ min: 0, max: 40 })).map(([k, n]) => new Hold(k, n)),
        fc.tuple(key, fc.integer({ min: 0, max: 60 })).map(([k, n]) => new Settle(k, n)),
        key.map((k) => new Release(k)),
        fc.constant(new Sweep()),
      ],
      { maxCommands: 60 },
    );
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        let time = 0;
        const real: Real = { ledger: createMemoryLedger({ now: () => time, defaultHoldTtlMs: TTL }), holdIds: new Map(), advance: (ms) => (time += ms) };
        await fc.asyncModelRun(() => ({ model: { balance: 0, holds: new Map(), adjustments: 0 }, real }), cmds);
      }),
      { numRuns: 200, seed: 424242 },
    );
  });

  it('stays consistent when the scheduler shuffles concurrent holds and settles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 30 }), async (s, amounts) => {
        const ledger = createMemoryLedger();
        await ledger.adjust(WS, 'topup', 'purchase', 100);
        const runs = amounts.map((amount, i) =>
          s.schedule(Promise.resolve(i)).then(async () => {
            const result = await s.schedule(ledger.hold(WS, `k${i % 7}`, amount)).catch(() => undefined);
            if (result?.ok === true) await s.schedule(ledger.settle(result.hold.holdId, amount * 2));
          }),
        );
        let done = false;
        const all = Promise.all(runs).then(() => (done = true));
        // Bounded: release one scheduled promise at a time, letting follow-ups get scheduled.
        for (let step = 0; !done && step < 10_000; step += 1) {
          if (s.count() > 0) await s.waitOne();
          else await new Promise((resolve) => setImmediate(resolve));
        }
        await all;
        const { balance, available } = await ledger.balance(WS);
        const entries = await ledger.entries(WS);
        expect(balance).toBeGreaterThanOrEqual(0);
        expect(available).toBe(balance);
        expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
      }),
      { numRuns: 200, seed: 424242 },
    );
  });
});
