import { CreditError } from '@nexusflow/nodes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerLedger } from '../types.js';
import { unique, useStore } from './helpers.js';
import type { OpenStore } from './types.js';

/*
 * B-09 against a real store: random sequences of top-up, refund, hold (a repeated key is the
 * crash-and-re-run case), settle, release and sweep, checked against a plain model after every
 * command, as nodes' ledger-model.test.ts does for the in-memory ledger. The store's clock cannot be
 * moved from here, so a hold is either short (ttlMs 0: expired at once) or long (an hour: never
 * expires during the test), and a sweep expires exactly the open short holds.
 */

const KEYS = 4;
const LONG_TTL = 3_600_000;

interface ModelHold {
  amount: number;
  state: 'open' | 'settled' | 'released' | 'expired';
  /** Expires at the next sweep. */
  short: boolean;
}
interface Model {
  balance: number;
  holds: Map<string, ModelHold>;
  adjustments: number;
}
interface Real {
  ledger: ServerLedger;
  workspaceId: string;
  holdIds: Map<string, string>;
}

const held = (model: Model) => [...model.holds.values()].filter((h) => h.state === 'open').reduce((sum, h) => sum + h.amount, 0);

async function check(model: Model, real: Real): Promise<void> {
  const { balance, available } = await real.ledger.balance(real.workspaceId);
  const entries = await real.ledger.entries(real.workspaceId);
  expect(balance).toBe(model.balance);
  expect(available).toBe(model.balance - held(model));
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(available).toBeGreaterThanOrEqual(0);
  expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
  expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
  expect((await real.ledger.audit(real.workspaceId)).ok).toBe(true);
}

class TopUp implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: 'purchase' | 'refund',
    readonly amount: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await real.ledger.adjust(real.workspaceId, `${this.kind}-${model.adjustments++}`, this.kind, this.amount);
    model.balance += this.amount;
    await check(model, real);
  }
  toString = () => `${this.kind}(${this.amount})`;
}

class Hold implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly amount: number,
    readonly short: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const known = model.holds.get(this.key);
    const available = model.balance - held(model);
    const options = { ttlMs: this.short ? 0 : LONG_TTL };
    if (known !== undefined && known.amount !== this.amount) {
      await expect(real.ledger.hold(real.workspaceId, this.key, this.amount, options)).rejects.toSatisfy(
        (e) => e instanceof CreditError && e.code === 'idempotency_key_mismatch',
      );
    } else {
      const result = await real.ledger.hold(real.workspaceId, this.key, this.amount, options);
      const reopens = known !== undefined && (known.state === 'released' || known.state === 'expired');
      const fits = known?.state === 'open' || known?.state === 'settled' || available >= this.amount;
      expect(result.ok).toBe(fits);
      if (result.ok) {
        expect(result.reused).toBe(known !== undefined);
        if (known === undefined) model.holds.set(this.key, { amount: this.amount, state: 'open', short: this.short });
        else if (reopens) Object.assign(known, { state: 'open', short: this.short });
        // Re-using an open hold only ever extends its expiry.
        else if (known.state === 'open') known.short = known.short && this.short;
        real.holdIds.set(this.key, result.hold.holdId);
      } else {
        expect(result).toEqual({ ok: false, available, needed: this.amount });
      }
    }
    await check(model, real);
  }
  toString = () => `hold(${this.key}, ${this.amount}, ${this.short ? 'short' : 'long'})`;
}

class Settle implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly usage: number,
  ) {}
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
    const expiring = [...model.holds.values()].filter((h) => h.state === 'open' && h.short);
    expect(await real.ledger.sweepExpired()).toBe(expiring.length);
    for (const hold of expiring) hold.state = 'expired';
    await check(model, real);
  }
  toString = () => 'sweep';
}

/** The model-based ledger test; it sweeps, so it gets a store of its own. */
export function ledgerModelContract(open: OpenStore): void {
  describe('credit ledger against a model (B-09)', () => {
    const store = useStore(open);

    it('keeps balance = model, balance >= 0 and sum(entries) = balance after every command', async () => {
      const key = fc.integer({ min: 0, max: KEYS - 1 }).map((i) => `step-${i}`);
      const commands = fc.commands(
        [
          fc.integer({ min: 0, max: 50 }).map((n) => new TopUp('purchase', n)),
          fc.integer({ min: 0, max: 5 }).map((n) => new TopUp('refund', n)),
          fc.tuple(key, fc.integer({ min: 0, max: 40 }), fc.boolean()).map(([k, n, short]) => new Hold(k, n, short)),
          fc.tuple(key, fc.integer({ min: 0, max: 60 })).map(([k, n]) => new Settle(k, n)),
          key.map((k) => new Release(k)),
          fc.constant(new Sweep()),
        ],
        { maxCommands: 50 },
      );
      await fc.assert(
        fc.asyncProperty(commands, async (cmds) => {
          const ledger = store().ledger;
          // Short holds of an earlier run are expired already; clear them so sweeps count only this run's.
          await ledger.sweepExpired();
          const real: Real = { ledger, workspaceId: unique('model'), holdIds: new Map() };
          await fc.asyncModelRun(() => ({ model: { balance: 0, holds: new Map(), adjustments: 0 }, real }), cmds);
        }),
        { numRuns: 100, seed: 424242 },
      );
    });
  });
}
