export { DEFAULT_LIMIT, MAX_LIMIT, pageLimit, encodeCursor, decodeCursor } from '../pagination.js';
import { encodeCursor } from '../pagination.js';
import type { Page } from '../types.js';

/**
 * A page from rows fetched with `limit + 1`: the extra row only says that there is a next page,
 * whose cursor is the sort key of the last row kept.
 */
export function pageOf<R, T>(rows: R[], limit: number, toItem: (row: R) => T, keyOf: (row: R) => readonly (string | number)[]): Page<T> {
  const kept = rows.slice(0, limit);
  const page: Page<T> = { items: kept.map(toItem) };
  const last = kept.at(-1);
  if (rows.length > limit && last !== undefined) page.next = encodeCursor(keyOf(last));
  return page;
}
