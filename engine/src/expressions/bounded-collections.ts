import type jsonata from 'jsonata';
import { callOriginal } from './builtin-originals.js';
import { ExpressionLimitError } from './expression-errors.js';
import { MAX_PAD_LENGTH, MAX_QUADRATIC_ITEMS } from './expression-limits.js';

/**
 * `$sort`, `$distinct` and `$spread` are quadratic in jsonata 2.2 (a 100,000-item `$sort` exhausts a
 * 1 GB heap) and `$pad("x", 100000000)` takes seconds, all inside one call that the evaluation
 * hooks cannot stop. These keep jsonata's results, take a linear path where one exists, and refuse
 * the rest beyond the limits.
 */

function refuseLongInput(functionName: string, items: unknown[], what: string): void {
  if (items.length > MAX_QUADRATIC_ITEMS) {
    throw new ExpressionLimitError(`${functionName} ${what} accepts at most ${MAX_QUADRATIC_ITEMS} items, got ${items.length}`);
  }
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function compareAscending(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function pad(this: jsonata.Focus, text: unknown, width: unknown, char?: unknown): Promise<unknown> {
  if (typeof width === 'number' && Math.abs(Math.trunc(width)) > MAX_PAD_LENGTH) {
    throw new ExpressionLimitError(`$pad accepts a width of at most ${MAX_PAD_LENGTH} characters, got ${width}`);
  }
  return callOriginal('pad', this, [text, width, char]);
}

export async function sort(this: jsonata.Focus, items: unknown, comparator?: unknown): Promise<unknown> {
  if (Array.isArray(items) && items.length > 1) {
    if (comparator === undefined) {
      // Same order as jsonata's stable merge sort on `a > b`, in O(n log n).
      const numbers = items.every((item) => typeof item === 'number');
      if (numbers || items.every((item) => typeof item === 'string')) return [...(items as Array<number | string>)].sort(compareAscending);
    } else {
      refuseLongInput('$sort', items, 'with a comparison function');
    }
  }
  return callOriginal('sort', this, [items, comparator]);
}

export async function distinct(this: jsonata.Focus, items: unknown): Promise<unknown> {
  if (Array.isArray(items) && items.length > 1) {
    if (items.every(isPrimitive)) {
      // For primitives jsonata's deep equality is `===`, which a Set reproduces in linear time.
      const focus = this as unknown as { createSequence(): unknown[] };
      const unique = (items as { sequence?: boolean }).sequence === true ? focus.createSequence() : [];
      for (const value of new Set(items)) unique.push(value);
      return unique;
    }
    refuseLongInput('$distinct', items, 'of objects or arrays');
  }
  return callOriginal('distinct', this, [items]);
}

export async function spread(this: jsonata.Focus, value: unknown): Promise<unknown> {
  if (Array.isArray(value)) refuseLongInput('$spread', value, 'of an array');
  return callOriginal('spread', this, [value]);
}
