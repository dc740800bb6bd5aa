import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { compileRe2, explainUnsupportedRegex, Re2RegexEngine } from './re2-regex-engine.js';

const withRe2 = { RegexEngine: Re2RegexEngine as unknown as RegExpConstructor };

/** Evaluates with jsonata directly (no budget needed), returning the value or the error code. */
async function outcome(source: string, input: unknown, options?: jsonata.JsonataOptions): Promise<unknown> {
  try {
    return { value: await jsonata(source, options).evaluate(input) };
  } catch (error) {
    return { error: (error as { code?: string }).code };
  }
}

describe('Re2RegexEngine', () => {
  it('gives jsonata the same results as RegExp', async () => {
    const input = { text: 'Order 12, order 345 and ORDER 6.\nsecond line ok', emoji: 'a😀b😀c', csv: 'a, b,,c' };
    const expressions = [
      '$match(text, /order (\\d+)/i)',
      '$match(text, /order (\\d+)/i, 2)',
      '$match(text, /(o)(x)?rder/)',
      '$match(text, /^\\w+/m)',
      '$match(text, /ok$/)',
      '$contains(text, /\\d{3}/)',
      '$contains(text, /\\d{4}/)',
      '$replace(text, /(\\d+)/, "#$1")',
      '$replace(text, /order/i, "x", 2)',
      '$split(csv, /,\\s*/)',
      '$split(csv, /,/, 2)',
      '$match(emoji, /😀/)',
      '$split(emoji, /😀/)',
      '$match(text, /(?<num>\\d)+/)',
      'text ~> $replace(/[aeiou]/, "")',
      '$match(text, /x*/)',
      '$replace("abc", /x*/, "-")',
    ];
    for (const source of expressions) {
      expect(await outcome(source, input, withRe2), source).toEqual(await outcome(source, input));
    }
  });

  it('moves lastIndex like a global RegExp', () => {
    const engine = new Re2RegexEngine(/a(b)?/g);
    const native = /a(b)?/g;
    const text = 'ab a xab';
    for (let i = 0; i < 5; i += 1) {
      const mine = engine.exec(text);
      const theirs = native.exec(text);
      expect(mine === null ? null : { match: [...mine], index: mine.index }).toEqual(theirs === null ? null : { match: [...theirs], index: theirs.index });
      expect(engine.lastIndex).toBe(native.lastIndex);
    }
    engine.lastIndex = 100;
    expect(engine.exec(text)).toBeNull();
    expect(engine.lastIndex).toBe(0);
  });

  it('runs catastrophic patterns over 50 kB in linear time', () => {
    const text = 'a'.repeat(50_000);
    expect(new Re2RegexEngine(/(a+)+$/).exec(`${text}!`)).toBeNull();
    expect(new Re2RegexEngine(/a*a*a*a*b/).exec(text)).toBeNull();
    expect(new Re2RegexEngine(/(x+x+)+y/).exec('x'.repeat(50_000))).toBeNull();
  });

  it('refuses backreferences and lookaround instead of changing their meaning', () => {
    // RE2JS.translateRegExp alone would turn \k<x> into the literal text "k<x>".
    expect(() => new Re2RegexEngine(/(?<x>a)\k<x>/)).toThrow('uses a named backreference');
    expect(() => new Re2RegexEngine(/(a)\1/)).toThrow('uses the backreference \\1');
    expect(() => new Re2RegexEngine(/a(?!b)/)).toThrow('uses a lookahead');
    expect(() => new Re2RegexEngine(/(?<=a)b/)).toThrow('uses a lookbehind');
    // Inside a class these are plain characters to the scanner, so RE2 itself has the last word.
    expect(explainUnsupportedRegex(new RegExp('[\\1(?=]'))).toMatch(/refused by the linear-time regex engine/);
    expect(explainUnsupportedRegex(/a\(?=b\)/)).toBeUndefined();
  });

  it('compiles each pattern once', () => {
    expect(compileRe2('c(a|b)+', 'i')).toBe(compileRe2('c(a|b)+', 'i'));
    expect(compileRe2('c(a|b)+', '')).not.toBe(compileRe2('c(a|b)+', 'i'));
  });
});
