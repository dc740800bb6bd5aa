import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluateExpression } from './evaluate-expression.js';
import { MAX_PAD_LENGTH, MAX_QUADRATIC_ITEMS } from './expression-limits.js';

const people = [
  { name: 'b', age: 30 },
  { name: 'a', age: 30 },
  { name: 'c', age: 20 },
];
const scope = { vars: { numbers: [3, 1, 2, 1, 3], words: ['pear', 'Apple', 'fig', 'apple'], people, mixed: [1, 'a'] } };

/** jsonata without our replacements, as the reference for results. */
async function reference(source: string): Promise<unknown> {
  return JSON.parse(JSON.stringify(await jsonata(source).evaluate(scope))) as unknown;
}

describe('bounded built-ins', () => {
  it('give the same results as jsonata’s own on ordinary input', async () => {
    const sources = [
      '$sort(vars.numbers)',
      '$sort(vars.words)',
      '$sort(vars.people, function($l, $r){ $l.age > $r.age })',
      '$distinct(vars.numbers)',
      '$distinct(vars.words)',
      '$distinct(vars.people.age)',
      '$distinct([vars.people, vars.people[0]])',
      '$spread({"a": 1, "b": 2})',
      '$spread([{"a": 1}, {"b": 2}])',
      '$pad("x", 5, "-")',
      '$pad("x", -5)',
      'vars.people^(age).name',
    ];
    for (const source of sources) {
      expect(await evaluateExpression(source, scope), source).toEqual(await reference(source));
    }
  });

  it('keep jsonata’s errors for input it refuses', async () => {
    await expect(evaluateExpression('$sort(vars.mixed)', scope)).rejects.toMatchObject({
      code: 'expression_failed',
      message: expect.stringContaining('(D3070)') as string,
    });
  });

  it('sort and dedupe large arrays of numbers or strings in one go', async () => {
    // jsonata's own $sort needs minutes and gigabytes here; the mapping step is what takes time.
    const generous = { timeoutMs: 10_000 };
    await expect(evaluateExpression('$sort([1..99999].(100000 - $))[0]', scope, generous)).resolves.toBe(1);
    await expect(evaluateExpression('$count($distinct([1..99999].($ % 7)))', scope, generous)).resolves.toBe(7);
  });

  it('refuse inputs that would take quadratic time or build a huge string', async () => {
    const tooMany = MAX_QUADRATIC_ITEMS + 1;
    const sources = [
      `$sort([1..${tooMany}], function($a, $b){ $a < $b })`,
      `$distinct([1..${tooMany}].{"n": $})`,
      `$spread([1..${tooMany}].{"n": $})`,
      `$pad("x", ${MAX_PAD_LENGTH + 1})`,
      `$pad("x", -${MAX_PAD_LENGTH + 1})`,
    ];
    const messages = [];
    for (const source of sources) {
      const error = await evaluateExpression(source, scope).catch((reason: unknown) => reason);
      expect(error, source).toMatchObject({ code: 'expression_failed' });
      messages.push((error as Error).message);
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "expression \`$sort([1..2001], function($a, $b){ $a < $b })\` failed: $sort with a comparison function accepts at most 2000 items, got 2001",
        "expression \`$distinct([1..2001].{"n": $})\` failed: $distinct of objects or arrays accepts at most 2000 items, got 2001",
        "expression \`$spread([1..2001].{"n": $})\` failed: $spread of an array accepts at most 2000 items, got 2001",
        "expression \`$pad("x", 100001)\` failed: $pad accepts a width of at most 100000 characters, got 100001",
        "expression \`$pad("x", -100001)\` failed: $pad accepts a width of at most 100000 characters, got -100001",
      ]
    `);
  });
});
