import jsonata from 'jsonata';
import { ExpressionLimitError } from './expression-errors.js';
import { MAX_PAD_LENGTH, MAX_QUADRATIC_ITEMS } from './expression-limits.js';
import { Re2RegexEngine } from './re2-regex-engine.js';

/**
 * A few jsonata built-ins do all their work inside one call, where the evaluation hooks cannot stop
 * them, and cost far more than their input suggests: `$pad("x", 100000000)` takes seconds,
 * `$sort`, `$distinct` and `$spread` are quadratic (jsonata 2.2: a 100,000-item `$sort` exhausts a
 * 1 GB heap), and `$toMillis` with a picture runs a backtracking RegExp built from that picture
 * (`"[f][f][f][f][f][f]"` over 120 digits takes seconds). These replacements keep jsonata's results
 * and refuse inputs beyond the limits in expression-limits.ts.
 */

interface JsonataFunction {
  implementation: (this: jsonata.Focus, ...args: unknown[]) => unknown;
}

const originals = new Map<string, Promise<JsonataFunction>>();

/** jsonata does not export its built-ins; evaluating `$name` hands one over. */
function original(name: string): Promise<JsonataFunction> {
  let found = originals.get(name);
  if (found === undefined) {
    found = jsonata(`$${name}`).evaluate(undefined) as Promise<JsonataFunction>;
    originals.set(name, found);
  }
  return found;
}

async function callOriginal(name: string, focus: jsonata.Focus, args: unknown[]): Promise<unknown> {
  return (await original(name)).implementation.apply(focus, args);
}

function refuseLongInput(functionName: string, items: unknown[], what: string): void {
  if (items.length > MAX_QUADRATIC_ITEMS) {
    throw new ExpressionLimitError(`${functionName} ${what} accepts at most ${MAX_QUADRATIC_ITEMS} items, got ${items.length}`);
  }
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

async function pad(this: jsonata.Focus, text: unknown, width: unknown, char?: unknown): Promise<unknown> {
  if (typeof width === 'number' && Math.abs(Math.trunc(width)) > MAX_PAD_LENGTH) {
    throw new ExpressionLimitError(`$pad accepts a width of at most ${MAX_PAD_LENGTH} characters, got ${width}`);
  }
  return callOriginal('pad', this, [text, width, char]);
}

function compareAscending(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function sort(this: jsonata.Focus, items: unknown, comparator?: unknown): Promise<unknown> {
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

async function distinct(this: jsonata.Focus, items: unknown): Promise<unknown> {
  if (Array.isArray(items) && items.length > 1) {
    if (items.every(isPrimitive)) {
      // For primitives jsonata's deep equality is `===`, which a Set reproduces in linear time.
      const unique = (items as { sequence?: boolean }).sequence === true ? (this as unknown as { createSequence(): unknown[] }).createSequence() : [];
      for (const value of new Set(items)) unique.push(value);
      return unique;
    }
    refuseLongInput('$distinct', items, 'of objects or arrays');
  }
  return callOriginal('distinct', this, [items]);
}

async function spread(this: jsonata.Focus, value: unknown): Promise<unknown> {
  if (Array.isArray(value)) refuseLongInput('$spread', value, 'of an array');
  return callOriginal('spread', this, [value]);
}

/** `new RegExp(source, flags)` for jsonata's date parser, answered by the linear-time engine. */
function LinearRegExp(source: string, flags?: string): Re2RegexEngine {
  return new Re2RegexEngine(source, flags);
}

async function toMillis(this: jsonata.Focus, timestamp: unknown, picture?: unknown): Promise<unknown> {
  const implementation = await original('toMillis');
  if (picture === undefined) return implementation.implementation.call(this, timestamp);
  // jsonata's parseDateTime calls the global `new RegExp(...)` on a pattern built from the picture.
  // It runs synchronously, so no other code can see the global swapped for the length of the call.
  const nativeRegExp = globalThis.RegExp;
  globalThis.RegExp = LinearRegExp as unknown as RegExpConstructor;
  try {
    return implementation.implementation.call(this, timestamp, picture);
  } finally {
    globalThis.RegExp = nativeRegExp;
  }
}

/** Replaces the unbounded built-ins of one compiled expression; signatures are jsonata's own. */
export function installBoundedFunctions(expression: jsonata.Expression): void {
  expression.registerFunction('pad', pad, '<s-ns?:s>');
  expression.registerFunction('sort', sort, '<af?:a>');
  expression.registerFunction('distinct', distinct, '<x:x>');
  expression.registerFunction('spread', spread, '<x-:a<o>>');
  expression.registerFunction('toMillis', toMillis, '<s-s?:n>');
}
