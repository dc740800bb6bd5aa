import type { Request } from 'express';
import { ApiError } from '../api-error.js';
import type { PageQuery } from '../../store/types.js';

/**
 * Query-string parsing for the routes. Each reader answers the value or throws 400
 * `invalid_request` naming the parameter (its detail's pointer is the parameter name), so a client
 * sees which one to fix. Repeated parameters (`?limit=1&limit=2`) are refused, not guessed.
 */

const MAX_CURSOR_CHARS = 1024;
const MAX_ID_CHARS = 128;

export function invalidParameter(name: string, message: string): ApiError {
  return new ApiError(400, 'invalid_request', `query parameter "${name}" ${message}`, [{ pointer: name, message }]);
}

/** The single string value of `name`, or `undefined` when absent. */
export function queryString(req: Request, name: string, maxChars = MAX_ID_CHARS): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParameter(name, 'must be given once, as a plain value');
  if (value.length > maxChars) throw invalidParameter(name, `must be at most ${maxChars} characters`);
  return value;
}

/** A whole number from `min` to `max`. */
export function queryInteger(req: Request, name: string, range: { min: number; max: number }): number | undefined {
  const raw = queryString(req, name, 20);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw invalidParameter(name, `must be a whole number from ${range.min} to ${range.max}; got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** One of `allowed`. */
export function queryEnum<T extends string>(req: Request, name: string, allowed: readonly T[]): T | undefined {
  const raw = queryString(req, name, 64);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw invalidParameter(name, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** `true`/`1` or `false`/`0`. */
export function queryBoolean(req: Request, name: string): boolean | undefined {
  const raw = queryString(req, name, 8);
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalidParameter(name, `must be true or false; got ${JSON.stringify(raw)}`);
}

/** An ISO 8601 date or date-time (`2025-01-31`, `2025-01-31T12:00:00Z`), as epoch milliseconds. */
export function queryTime(req: Request, name: string): number | undefined {
  const raw = queryString(req, name, 40);
  if (raw === undefined) return undefined;
  const value = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(value)) throw invalidParameter(name, `must be an ISO 8601 date or date-time such as 2025-01-31 or 2025-01-31T12:00:00Z; got ${JSON.stringify(raw)}`);
  return value;
}

/** `?limit` (1..200) and `?cursor` of a paginated list. */
export function pageQuery(req: Request): PageQuery {
  const query: PageQuery = {};
  const limit = queryInteger(req, 'limit', { min: 1, max: 200 });
  if (limit !== undefined) query.limit = limit;
  const cursor = queryString(req, 'cursor', MAX_CURSOR_CHARS);
  if (cursor !== undefined && cursor !== '') query.cursor = cursor;
  return query;
}

/** `?afterSeq` and `?limit` of a transcript or trace read. */
export function seqQuery(req: Request): { afterSeq?: number; limit?: number } {
  const query: { afterSeq?: number; limit?: number } = {};
  const afterSeq = queryInteger(req, 'afterSeq', { min: 0, max: Number.MAX_SAFE_INTEGER });
  if (afterSeq !== undefined) query.afterSeq = afterSeq;
  const limit = queryInteger(req, 'limit', { min: 1, max: 1000 });
  if (limit !== undefined) query.limit = limit;
  return query;
}

/**
 * Runs a store list with a cursor; a cursor the store did not hand out (the store answers
 * `not_found`) becomes 400 naming `cursor` instead of 404 for the whole list.
 */
export async function withCursor<T>(query: PageQuery, list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (query.cursor !== undefined && (error as { code?: unknown }).code === 'not_found') {
      throw invalidParameter('cursor', 'is not one this list handed out; start again without it');
    }
    throw error;
  }
}
