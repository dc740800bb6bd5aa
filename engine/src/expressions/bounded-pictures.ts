import type jsonata from 'jsonata';
import { callOriginal, originalFunction } from './builtin-originals.js';
import { ExpressionLimitError } from './expression-errors.js';
import { MAX_PICTURE_LENGTH, MAX_PICTURE_WIDTH } from './expression-limits.js';
import { Re2RegexEngine } from './re2-regex-engine.js';

/**
 * The picture-string functions do their work in one call. jsonata 2.2 formats a 100,000-character
 * `$formatNumber` picture in a minute, pads `$fromMillis(0, "[Y,100000000]")` for seconds, and
 * `$toMillis` with a picture runs a backtracking RegExp built from it (`"[f][f][f][f][f][f]"` over
 * 120 digits takes seconds). Pictures are short in real use, so their length and widths are capped,
 * and `$toMillis` gets the linear-time engine.
 */

function checkPicture(functionName: string, picture: unknown): void {
  if (typeof picture !== 'string') return;
  if (picture.length > MAX_PICTURE_LENGTH) {
    throw new ExpressionLimitError(`${functionName} accepts a picture of at most ${MAX_PICTURE_LENGTH} characters, got ${picture.length}`);
  }
  // Width modifiers: the numbers after the comma in a date marker, as in [Y,2-4] or [f,*-3].
  for (const marker of picture.split('[').slice(1)) {
    const modifier = marker.split(']')[0]?.split(',').slice(1).join(',') ?? '';
    for (const width of modifier.match(/\d+/g) ?? []) {
      if (Number(width) > MAX_PICTURE_WIDTH) {
        throw new ExpressionLimitError(`${functionName} accepts widths of at most ${MAX_PICTURE_WIDTH} in a picture, got ${width}`);
      }
    }
  }
}

export async function formatNumber(this: jsonata.Focus, value: unknown, picture: unknown, options?: unknown): Promise<unknown> {
  checkPicture('$formatNumber', picture);
  return callOriginal('formatNumber', this, [value, picture, options]);
}

export async function formatInteger(this: jsonata.Focus, value: unknown, picture: unknown): Promise<unknown> {
  checkPicture('$formatInteger', picture);
  return callOriginal('formatInteger', this, [value, picture]);
}

export async function parseInteger(this: jsonata.Focus, value: unknown, picture: unknown): Promise<unknown> {
  checkPicture('$parseInteger', picture);
  return callOriginal('parseInteger', this, [value, picture]);
}

export async function fromMillis(this: jsonata.Focus, millis: unknown, picture?: unknown, timezone?: unknown): Promise<unknown> {
  checkPicture('$fromMillis', picture);
  return callOriginal('fromMillis', this, [millis, picture, timezone]);
}

/** `new RegExp(source, flags)` for jsonata's date parser, answered by the linear-time engine. */
function LinearRegExp(source: string, flags?: string): Re2RegexEngine {
  return new Re2RegexEngine(source, flags);
}

export async function toMillis(this: jsonata.Focus, timestamp: unknown, picture?: unknown): Promise<unknown> {
  const original = await originalFunction('toMillis');
  if (picture === undefined) return original.implementation.call(this, timestamp);
  checkPicture('$toMillis', picture);
  // jsonata's parseDateTime calls the global `new RegExp(...)` on a pattern built from the picture.
  // The call is synchronous, so no other code can see the global swapped while it runs.
  const nativeRegExp = globalThis.RegExp;
  globalThis.RegExp = LinearRegExp as unknown as RegExpConstructor;
  try {
    return original.implementation.call(this, timestamp, picture);
  } finally {
    globalThis.RegExp = nativeRegExp;
  }
}
