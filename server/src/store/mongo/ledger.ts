import { Schema } from 'mongoose';
import type { ClientSession } from 'mongoose';
import type { CreditHold, HoldResult, LedgerEntry, LedgerEntryKind, SettleResult } from '@nexusflow/engine';
import { CreditError } from '@nexusflow/nodes';
import { newId } from '../ids.js';
import type { ServerLedger, UsageRow } from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT, decodeCursor, encodeCursor, fromJson, inTransaction, pageLimit, retryOnDuplicate, toJson } from './common.js';
import type { MongoContext, Syncable } from './common.js';
import {
  copyMeta,
  DEFAULT_HOLD_TTL_MS,
  keyMismatch,
  OVERAGE_KEY_SUFFIX,
  requireAdjustKind,
  requireCredits,
  requireKey,
  requireWhole,
  requireWorkspace,
  unknownHold,
} from '../ledger-rules.js';

/** Group of a usage entry without `meta.model` in usage by model (as in the SQLite store). */
export const UNKNOWN_MODEL = 'unknown';

/** A workspace's credits. Invariant: 0 <= held <= balance; balance = sum of its entries. */
interface AccountDoc {
  /** The workspace id. */
  _id: string;
  balance: number;
  /** Sum of open holds. */
  held: number;
  /** Bumped by every write to the account (so concurrent transactions on it conflict); entries take their order from it. */
  seq: number;
}

interface EntryDoc {
  _id: string;
  workspaceId: string;
  /** Order within the workspace (from `AccountDoc.seq`; gaps are fine). */
  seq: number;
  kind: LedgerEntryKind;
  amount: number;
  balanceAfter: number;
  key: string;
  /** JSON object (caller data). */
  meta?: string;
  at: number;
  /** Usage entries only: `meta.model`, `meta.inputTokens`, `meta.outputTokens`, for `usage()`. */
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
}

type HoldState = 'open' | 'settled' | 'released' | 'expired';

interface HoldDoc {
  _id: string;
  workspaceId: string;
  key: string;
  amount: number;
  state: HoldState;
  expiresAt: number;
  /** JSON object: the meta given to `hold`, carried into the usage entry. */
  meta?: string;
  /** The settle result, kept so a second settle answers the first. */
  result?: SettleResult;
  createdAt: number;
}

function toEntry(doc: EntryDoc): LedgerEntry {
  const entry: LedgerEntry = { id: doc._id, workspaceId: doc.workspaceId, kind: doc.kind, amount: doc.amount, balanceAfter: doc.balanceAfter, key: doc.key, at: doc.at };
  if (doc.meta !== undefined) entry.meta = fromJson<Record<string, unknown>>(doc.meta);
  return entry;
}

const toHold = (doc: HoldDoc): CreditHold => ({ holdId: doc._id, workspaceId: doc.workspaceId, amount: doc.amount, key: doc.key, expiresAt: doc.expiresAt });

/** A conditional account update that did not apply. Inside a transaction that is a bug, never a race. */
function applied<T>(doc: T | null, what: string): T {
  if (doc === null) throw new Error(`ledger invariant: ${what} did not apply`);
  return doc;
}

/**
 * The credit ledger in MongoDB, with exactly the semantics of nodes' in-memory reference ledger
 * (`createMemoryLedger`; its rules are listed there), following RELIABILITY.md §5.1:
 *
 * - a balance document per workspace `{ balance, held }`, changed only by conditional atomic updates
 *   whose filter states the invariant (`balance - held >= amount` to hold, and so on);
 * - every step that writes more than one document (hold + account, entry + account) runs in a
 *   transaction with snapshot reads and majority writes. Each such step also writes the account
 *   document, so two concurrent steps on one workspace conflict and the driver retries the later
 *   one on a fresh snapshot; callbacks therefore only read and write through their session;
 * - holds and entries share one key space per workspace (unique indexes on (workspaceId, key) in
 *   both collections; the usage entry of a hold reuses the hold's key). A transaction that lost the
 *   race to insert a key is run again and finds it.
 */
export function ledgerRepository(context: MongoContext, options: { defaultHoldTtlMs?: number } = {}) {
  const { connection, now } = context;
  const defaultTtl = requireWhole(options.defaultHoldTtlMs ?? DEFAULT_HOLD_TTL_MS, 'defaultHoldTtlMs', 'milliseconds');

  const accountSchema = new Schema<AccountDoc>({ _id: ID, balance: NUMBER, held: NUMBER, seq: NUMBER }, { ...SCHEMA_OPTIONS, collection: 'ledger_accounts' });
  const Accounts = connection.model<AccountDoc>('LedgerAccount', accountSchema);

  const entrySchema = new Schema<EntryDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      seq: NUMBER,
      kind: { type: String, enum: ['purchase', 'usage', 'refund', 'bonus', 'adjustment'] },
      amount: NUMBER,
      balanceAfter: NUMBER,
      key: TEXT,
      meta: TEXT,
      at: NUMBER,
      model: TEXT,
      inputTokens: { type: Number },
      outputTokens: { type: Number },
    },
    { ...SCHEMA_OPTIONS, collection: 'ledger_entries' },
  );
  entrySchema.index({ workspaceId: 1, key: 1 }, { unique: true });
  entrySchema.index({ workspaceId: 1, seq: 1 }, { unique: true });
  entrySchema.index({ workspaceId: 1, kind: 1, seq: 1 });
  entrySchema.index({ workspaceId: 1, kind: 1, at: 1 });
  const Entries = connection.model<EntryDoc>('LedgerEntry', entrySchema);

  const holdSchema = new Schema<HoldDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      key: TEXT,
      amount: NUMBER,
      state: { type: String, enum: ['open', 'settled', 'released', 'expired'] },
      expiresAt: NUMBER,
      meta: TEXT,
      result: { type: new Schema<SettleResult>({ charged: NUMBER, released: NUMBER, overage: NUMBER }, { _id: false, versionKey: false }) },
      createdAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'ledger_holds' },
  );
  holdSchema.index({ workspaceId: 1, key: 1 }, { unique: true });
  holdSchema.index({ state: 1, expiresAt: 1 });
  const Holds = connection.model<HoldDoc>('LedgerHold', holdSchema);

  /** One ledger step: a transaction, run again when it lost a race to insert a key. */
  const step = <T>(fn: (session: ClientSession) => Promise<T>): Promise<T> => retryOnDuplicate(() => inTransaction(context, fn));

  /** The workspace's account, created at 0 on first use. */
  async function account(session: ClientSession, workspaceId: string): Promise<AccountDoc> {
    const doc = await Accounts.findOneAndUpdate(
      { _id: workspaceId },
      { $setOnInsert: { balance: 0, held: 0, seq: 0 } },
      { upsert: true, new: true, session },
    ).lean<AccountDoc>();
    return applied(doc, 'opening an account');
  }

  // The conditional updates: each changes the account only when the credits are there, and
  // answers the account after the change (null when the condition did not hold).

  /** Sets `amount` aside: `balance - held >= amount`. */
  const take = (session: ClientSession, workspaceId: string, amount: number) =>
    Accounts.findOneAndUpdate(
      { _id: workspaceId, $expr: { $gte: [{ $subtract: ['$balance', '$held'] }, amount] } },
      { $inc: { held: amount, seq: 1 } },
      { new: true, session },
    ).lean<AccountDoc>();

  /** Gives back `amount` set aside: `held >= amount`. */
  const giveBack = (session: ClientSession, workspaceId: string, amount: number) =>
    Accounts.findOneAndUpdate({ _id: workspaceId, held: { $gte: amount } }, { $inc: { held: -amount, seq: 1 } }, { new: true, session }).lean<AccountDoc>();

  /** Charges `charged` and frees `freed` of the held credits: `held >= freed` and `balance - charged >= held - freed`. */
  const charge = (session: ClientSession, workspaceId: string, charged: number, freed: number, entries: number) =>
    Accounts.findOneAndUpdate(
      {
        _id: workspaceId,
        held: { $gte: freed },
        $expr: { $gte: [{ $subtract: ['$balance', charged] }, { $subtract: ['$held', freed] }] },
      },
      { $inc: { balance: -charged, held: -freed, seq: entries } },
      { new: true, session },
    ).lean<AccountDoc>();

  /** Adds `amount` (negative for a removing adjustment): `balance - held + amount >= 0`. */
  const credit = (session: ClientSession, workspaceId: string, amount: number) =>
    Accounts.findOneAndUpdate(
      { _id: workspaceId, $expr: { $gte: [{ $add: [{ $subtract: ['$balance', '$held'] }, amount] }, 0] } },
      { $inc: { balance: amount, seq: 1 } },
      { new: true, session },
    ).lean<AccountDoc>();

  function entryDoc(workspaceId: string, seq: number, kind: LedgerEntryKind, amount: number, balanceAfter: number, key: string, meta: Record<string, unknown> | undefined): EntryDoc {
    const doc: EntryDoc = { _id: newId(), workspaceId, seq, kind, amount, balanceAfter, key, at: now() };
    if (meta !== undefined) doc.meta = toJson(meta);
    if (kind === 'usage' && meta !== undefined) {
      if (typeof meta.model === 'string') doc.model = meta.model;
      if (typeof meta.inputTokens === 'number') doc.inputTokens = meta.inputTokens;
      if (typeof meta.outputTokens === 'number') doc.outputTokens = meta.outputTokens;
    }
    return doc;
  }

  const ledger: ServerLedger = {
    async balance(workspaceId) {
      const found = await Accounts.findOne({ _id: requireWorkspace(workspaceId) }).lean<AccountDoc>();
      return found === null ? { balance: 0, available: 0 } : { balance: found.balance, available: found.balance - found.held };
    },

    async hold(workspaceId, key, amount, holdOptions) {
      requireWorkspace(workspaceId);
      requireKey(key);
      requireCredits(amount, 'amount');
      const ttlMs = requireWhole(holdOptions?.ttlMs ?? defaultTtl, 'ttlMs', 'milliseconds');
      const meta = copyMeta(holdOptions?.meta);
      return step(async (session): Promise<HoldResult> => {
        const { balance, held } = await account(session, workspaceId);
        const available = balance - held;
        const existing = await Holds.findOne({ workspaceId, key }).session(session).lean<HoldDoc>();
        if (existing !== null) {
          if (existing.amount !== amount) throw keyMismatch(key, `a hold of ${existing.amount} credits`);
          let expiresAt = existing.expiresAt;
          if (existing.state === 'open') {
            expiresAt = Math.max(existing.expiresAt, now() + ttlMs);
            await Holds.updateOne({ _id: existing._id, workspaceId }, { $set: { expiresAt } }, { session });
          } else if (existing.state === 'released' || existing.state === 'expired') {
            // A step re-run after its hold was given back is about to call the model again: cover it anew.
            if (available < amount) return { ok: false, available, needed: amount };
            applied(await take(session, workspaceId, amount), 'reopening a hold');
            expiresAt = now() + ttlMs;
            await Holds.updateOne({ _id: existing._id, workspaceId }, { $set: { state: 'open', expiresAt } }, { session });
          }
          return { ok: true, hold: toHold({ ...existing, expiresAt }), reused: true };
        }
        const entry = await Entries.findOne({ workspaceId, key }, { kind: 1 }).session(session).lean<Pick<EntryDoc, '_id' | 'kind'>>();
        if (entry !== null) throw keyMismatch(key, `a ${entry.kind} entry`);
        // A refused hold does not bind its key.
        if (available < amount || (await take(session, workspaceId, amount)) === null) return { ok: false, available, needed: amount };
        const doc: HoldDoc = { _id: newId(), workspaceId, key, amount, state: 'open', expiresAt: now() + ttlMs, createdAt: now() };
        if (meta !== undefined) doc.meta = toJson(meta);
        await Holds.create([doc], { session });
        return { ok: true, hold: toHold(doc), reused: false };
      });
    },

    async settle(holdId, amount, meta) {
      // The reference checks the hold before the arguments.
      if (typeof holdId !== 'string' || (await Holds.exists({ _id: holdId })) === null) throw unknownHold(holdId);
      const usage = requireCredits(amount, 'amount');
      const extra = copyMeta(meta);
      return step(async (session): Promise<SettleResult> => {
        const hold = applied(await Holds.findOne({ _id: holdId }).session(session).lean<HoldDoc>(), 'finding a hold');
        if (hold.result !== undefined) return { charged: hold.result.charged, released: hold.result.released, overage: hold.result.overage };
        const { workspaceId } = hold;
        const { balance, held } = await account(session, workspaceId);
        const wasOpen = hold.state === 'open';
        // An open hold covers up to its amount; a released or swept one only what is available now.
        const cover = wasOpen ? hold.amount : Math.min(hold.amount, balance - held);
        const charged = Math.min(usage, cover);
        const overage = usage - charged;
        const after = applied(await charge(session, workspaceId, charged, wasOpen ? hold.amount : 0, overage > 0 ? 2 : 1), 'settling a hold');
        const holdMeta = hold.meta === undefined ? undefined : fromJson<Record<string, unknown>>(hold.meta);
        // `0 - charged` would be -0 for a charge of nothing; BSON keeps integers, not the sign of zero.
        const docs = [entryDoc(workspaceId, after.seq - (overage > 0 ? 1 : 0), 'usage', charged === 0 ? 0 : -charged, after.balance, hold.key, { ...holdMeta, ...extra, holdId: hold._id })];
        if (overage > 0) {
          docs.push(entryDoc(workspaceId, after.seq, 'adjustment', 0, after.balance, `${hold.key}${OVERAGE_KEY_SUFFIX}`, { uncollectable: overage, holdId: hold._id }));
        }
        await Entries.insertMany(docs, { session });
        const result: SettleResult = { charged, released: wasOpen ? hold.amount - charged : 0, overage };
        await Holds.updateOne({ _id: hold._id, workspaceId }, { $set: { state: 'settled', result } }, { session });
        return result;
      });
    },

    async release(holdId) {
      if (typeof holdId !== 'string') throw unknownHold(holdId);
      await step(async (session) => {
        const hold = await Holds.findOne({ _id: holdId }).session(session).lean<HoldDoc>();
        if (hold === null) throw unknownHold(holdId);
        if (hold.state !== 'open') return;
        applied(await giveBack(session, hold.workspaceId, hold.amount), 'releasing a hold');
        await Holds.updateOne({ _id: hold._id, workspaceId: hold.workspaceId }, { $set: { state: 'released' } }, { session });
      });
    },

    async adjust(workspaceId, key, kind, amount, meta) {
      requireWorkspace(workspaceId);
      requireKey(key);
      requireAdjustKind(kind);
      if (kind === 'adjustment' && typeof amount === 'number' && amount < 0) requireCredits(-amount, 'amount');
      else requireCredits(amount, 'amount');
      const extra = copyMeta(meta);
      return step(async (session): Promise<LedgerEntry> => {
        const { balance, held } = await account(session, workspaceId);
        if ((await Holds.exists({ workspaceId, key }).session(session)) !== null) throw keyMismatch(key, 'a hold');
        const earlier = await Entries.findOne({ workspaceId, key }).session(session).lean<EntryDoc>();
        if (earlier !== null) {
          if (earlier.kind !== kind || earlier.amount !== amount) throw keyMismatch(key, `a ${earlier.kind} of ${earlier.amount} credits`);
          return toEntry(earlier);
        }
        const available = balance - held;
        if (available + amount < 0) {
          throw new CreditError('insufficient_credits', `an adjustment of ${amount} needs ${-amount} available credits; ${available} are`, 'amount');
        }
        // Beyond the reference ledger (as in the SQLite store): a balance past 2^53 could not be counted exactly.
        if (balance + amount > Number.MAX_SAFE_INTEGER) {
          throw new CreditError('invalid_amount', `amount would take the balance past ${Number.MAX_SAFE_INTEGER} credits; the balance is ${balance}`, 'amount');
        }
        const after = applied(await credit(session, workspaceId, amount), 'an adjustment');
        const doc = entryDoc(workspaceId, after.seq, kind, amount, after.balance, key, extra);
        await Entries.create([doc], { session });
        return toEntry(doc);
      });
    },

    async entries(workspaceId) {
      const docs = await Entries.find({ workspaceId: requireWorkspace(workspaceId) }).sort({ seq: 1 }).lean<EntryDoc[]>();
      return docs.map(toEntry);
    },

    async sweepExpired() {
      const at = now();
      const due = await Holds.find({ state: 'open', expiresAt: { $lte: at } }, { _id: 1 }).sort({ expiresAt: 1, _id: 1 }).lean<Pick<HoldDoc, '_id'>[]>();
      let swept = 0;
      for (const { _id } of due) {
        // Each hold in its own step; one that was settled, released or extended meanwhile is left alone.
        const closed = await step(async (session) => {
          const hold = await Holds.findOne({ _id, state: 'open', expiresAt: { $lte: at } }).session(session).lean<HoldDoc>();
          if (hold === null) return false;
          applied(await giveBack(session, hold.workspaceId, hold.amount), 'sweeping a hold');
          await Holds.updateOne({ _id, workspaceId: hold.workspaceId }, { $set: { state: 'expired' } }, { session });
          return true;
        });
        if (closed) swept += 1;
      }
      return swept;
    },

    async page(workspaceId, query) {
      const limit = pageLimit(query?.limit);
      const filter: Record<string, unknown> = { workspaceId };
      if (query?.kind !== undefined) filter.kind = query.kind;
      if (query?.cursor !== undefined) filter.seq = { $lt: decodeCursor(query.cursor, ['number'] as const)[0] };
      const docs = await Entries.find(filter).sort({ seq: -1 }).limit(limit + 1).lean<EntryDoc[]>();
      const kept = docs.slice(0, limit);
      const last = kept.at(-1);
      return docs.length > limit && last !== undefined ? { items: kept.map(toEntry), next: encodeCursor([last.seq]) } : { items: kept.map(toEntry) };
    },

    async usage(workspaceId, by, range) {
      // Credits are the charged amounts (usage entries are negative); uncollectable overage is an adjustment and not counted.
      const group = by === 'day' ? { $dateToString: { format: '%Y-%m-%d', date: { $add: [new Date(0), '$at'] }, timezone: 'UTC' } } : { $ifNull: ['$model', UNKNOWN_MODEL] };
      return await Entries.aggregate<UsageRow>([
        { $match: { workspaceId, kind: 'usage', at: { $gte: range.from, $lt: range.to } } },
        {
          $group: {
            _id: group,
            credits: { $sum: { $subtract: [0, '$amount'] } },
            inputTokens: { $sum: '$inputTokens' },
            outputTokens: { $sum: '$outputTokens' },
            calls: { $sum: 1 },
          },
        },
        { $sort: { _id: 1 } },
        { $project: { _id: 0, group: '$_id', credits: 1, inputTokens: 1, outputTokens: 1, calls: 1 } },
      ]);
    },

    async audit(workspaceId) {
      // One snapshot for the three reads, so a write in between cannot make a healthy ledger look broken.
      return inTransaction(context, async (session) => {
        const found = await Accounts.findOne({ _id: workspaceId }).session(session).lean<AccountDoc>();
        const { balance, held } = found ?? { balance: 0, held: 0 };
        const [entries] = await Entries.aggregate<{ sum: number }>([{ $match: { workspaceId } }, { $group: { _id: null, sum: { $sum: '$amount' } } }]).session(session);
        const [holds] = await Holds.aggregate<{ sum: number }>([{ $match: { workspaceId, state: 'open' } }, { $group: { _id: null, sum: { $sum: '$amount' } } }]).session(session);
        const sum = entries?.sum ?? 0;
        const ok = balance === sum && balance >= 0 && held >= 0 && held <= balance && held === (holds?.sum ?? 0);
        return { balance, sum, held, ok };
      });
    },
  };

  const models: Syncable[] = [Accounts, Entries, Holds];
  return { ledger, models };
}
