import { Schema, mongo } from 'mongoose';
import type { ClientSession, Connection, Model } from 'mongoose';
import { CreditError } from '@nexusflow/nodes';
import { StoreError } from '../errors.js';
import type { Page, PageQuery } from '../types.js';
import { decodeCursor, encodeCursor, pageLimit } from '../pagination.js';

export { decodeCursor, encodeCursor, pageLimit };

/** What every repository module gets from `openMongoStore`. */
export interface MongoContext {
  connection: Connection;
  now: () => number;
  counters: Model<CounterDoc>;
}

/** A model whose collection and indexes `openMongoStore` creates at open. */
export interface Syncable {
  createCollection(): Promise<unknown>;
  syncIndexes(): Promise<unknown>;
}

/** Options every schema shares: no `__v`, and unknown paths are a bug, not something to drop quietly. */
export const SCHEMA_OPTIONS = { versionKey: false, strict: 'throw', id: false } as const;

/** The `_id` path of every schema: a string from `newId()` (or a caller's id where the interface allows one). */
export const ID = { type: String, required: true } as const;

/**
 * A string path. Not `required`: mongoose's required validator refuses '' (a valid name or text),
 * and every document is built here from typed input.
 */
export const TEXT = { type: String } as const;

/** A number path (times, amounts, counters). */
export const NUMBER = { type: Number, required: true } as const;

/**
 * Transactions read a majority-committed snapshot and commit with majority write concern
 * (RELIABILITY.md §5.1, Jepsen on MongoDB 4.2.6). `connection.transaction()` retries the whole
 * callback on `TransientTransactionError`, so callbacks only read and write through `session`
 * and keep no state outside it between attempts.
 */
export const TRANSACTION_OPTIONS: mongo.TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
};

export function inTransaction<T>(context: MongoContext, fn: (session: ClientSession) => Promise<T>): Promise<T> {
  return context.connection.transaction(fn, TRANSACTION_OPTIONS);
}

// ---------------------------------------------------------------------------------------------
// Counters (transcript and trace seq, flow version numbers, history order)

export interface CounterDoc {
  _id: string;
  seq: number;
}

export function counterModel(connection: Connection): Model<CounterDoc> {
  const schema = new Schema<CounterDoc>({ _id: ID, seq: NUMBER }, { ...SCHEMA_OPTIONS, collection: 'counters' });
  return connection.model<CounterDoc>('Counter', schema);
}

/**
 * Adds `by` to the counter `id` (created at 0) and answers the new value: the last of `by` numbers
 * now taken. Inside a transaction (`session`) a clash aborts the transaction, so only the caller can
 * run it again; outside one, two first uses of a counter that clash are retried here.
 */
export async function nextSeq(context: MongoContext, id: string, by = 1, session?: ClientSession): Promise<number> {
  const increment = () =>
    context.counters
      .findOneAndUpdate({ _id: id }, { $inc: { seq: by } }, { upsert: true, new: true })
      .session(session ?? null)
      .lean<CounterDoc>();
  const counter = session === undefined ? await retryOnDuplicate(increment) : await increment();
  if (counter === null) throw new Error(`counter ${id} was not written`);
  return counter.seq;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** MongoDB's duplicate key error (E11000), from a single write or a bulk write. */
export function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, writeErrors } = error as { code?: unknown; writeErrors?: unknown };
  if (code === 11000 || code === 11001) return true;
  return Array.isArray(writeErrors) && writeErrors.some((write: { code?: unknown }) => write?.code === 11000);
}

/** The error a store call throws: `StoreError`s and `CreditError`s as they are, MongoDB failures mapped. */
export function storeErrorOf(error: unknown, where: string): unknown {
  if (error instanceof StoreError || error instanceof CreditError) return error;
  if (isDuplicateKey(error)) return new StoreError('conflict', `${where}: ${takenKey(error)} is already taken`, { cause: error });
  if (error instanceof mongo.MongoError || isMongooseConnectionError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new StoreError('storage_unavailable', `${where}: MongoDB cannot be reached or written (${message})`, { cause: error });
  }
  return error;
}

/**
 * What a duplicate key error says is taken, e.g. `email "ann@example.com"`: the server's `keyValue`
 * without the caller's own workspace id, else the `dup key: {...}` part of its message.
 */
function takenKey(error: unknown): string {
  const { keyValue, message } = error as { keyValue?: unknown; message?: unknown };
  if (typeof keyValue === 'object' && keyValue !== null) {
    const all = Object.entries(keyValue);
    const named = all.filter(([key]) => key !== 'workspaceId');
    return (named.length > 0 ? named : all).map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(', ');
  }
  const dupKey = typeof message === 'string' ? /dup key: (\{.*\})/.exec(message)?.[1] : undefined;
  return dupKey ?? 'a unique key';
}

/** Mongoose's own errors for a connection that is down (server selection, buffering timeouts, closed connection). */
function isMongooseConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MongooseServerSelectionError' ||
    /buffering timed out|connection .*(closed|was force closed)|client must be connected/i.test(error.message)
  );
}

/**
 * Wraps every method of a repository so its errors come out as `StoreError`s (`conflict`,
 * `storage_unavailable`) instead of driver errors.
 */
export function guarded<T extends object>(name: string, repository: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [method, value] of Object.entries(repository)) {
    if (typeof value !== 'function') {
      wrapped[method] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[method] = async (...args: unknown[]) => {
      try {
        return await fn.apply(repository, args);
      } catch (error) {
        throw storeErrorOf(error, `${name}.${method}`);
      }
    };
  }
  return wrapped as T;
}

/**
 * Runs `fn` again when it fails on a duplicate key: two concurrent upserts of one new key, or a
 * transaction that lost a race to insert the key it looked for (the next run finds it).
 */
export async function retryOnDuplicate<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isDuplicateKey(error)) throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON stored as strings (user data whose keys may start with `$` or contain `.`)

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

// ---------------------------------------------------------------------------------------------
// Pages: newest first by a number (creation time), ties broken by `_id`

/** One page of `model`, newest first by `field` then `_id`. `filter` must carry the workspace. */
export async function pageOf<D extends { _id: string }, T>(
  model: Model<D>,
  filter: Record<string, unknown>,
  field: keyof D & string,
  query: PageQuery | undefined,
  map: (doc: D) => T,
  projection?: Record<string, 0>,
): Promise<Page<T>> {
  const limit = pageLimit(query?.limit);
  let where: Record<string, unknown> = filter;
  if (query?.cursor !== undefined) {
    const [value, id] = decodeCursor(query.cursor, ['number', 'string'] as const);
    where = { ...filter, $or: [{ [field]: { $lt: value } }, { [field]: value, _id: { $lt: id } }] };
  }
  const docs = await model
    .find(where, projection ?? null)
    .sort({ [field]: -1, _id: -1 })
    .limit(limit + 1)
    .lean<D[]>();
  const items = docs.slice(0, limit);
  const last = items.at(-1);
  const page: Page<T> = { items: items.map(map) };
  if (docs.length > limit && last !== undefined) page.next = encodeCursor([last[field] as number, last._id]);
  return page;
}
