import { StoreError } from './errors.js';

/* Paging rules both stores share: limits and opaque cursors. */

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** `limit` clamped to 1..200; missing or not a number gives 50. */
export function pageLimit(limit: number | undefined): number {
  if (typeof limit !== 'number' || Number.isNaN(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/** An opaque cursor for a sort key: base64url of its JSON. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The sort key inside `cursor`, checked against the kinds it must hold; a cursor this store did not
 * hand out is refused rather than read as "from the start", which could loop a client forever.
 */
export function decodeCursor<const K extends readonly ('string' | 'number')[]>(
  cursor: string,
  kinds: K,
): { [I in keyof K]: K[I] extends 'string' ? string : number } {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const fits =
    Array.isArray(key) &&
    key.length === kinds.length &&
    key.every((part, index) => (kinds[index] === 'number' ? Number.isSafeInteger(part) : typeof part === 'string'));
  if (!fits) throw new StoreError('not_found', 'the cursor is not one this list handed out; start again without it');
  return key as { [I in keyof K]: K[I] extends 'string' ? string : number };
}
