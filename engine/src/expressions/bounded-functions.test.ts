import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluateExpression } from './evaluate-expression.js';
import { MAX_PAD_LENGTH, MAX_PICTURE_LENGTH, MAX_QUADRATIC_ITEMS } from './expression-limits.js';

const people = [
  { name: 'b', age: 30 },
  { name: 'a', age: 30 },
  { name: 'c', age: 20 },
];
const scope = { vars: { numbers: [3, 1, 2, 1, 3], words: ['pear', 'Apple', 'fig', 'apple'], people, mixed: [1, 'a'] } };

/** jsonata without our replacements, as the reference for results. */
async function reference(source: string): Promise<unknown> {
  const result: unknown = await jsonata(source).evaluate(scope);
  return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
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
      '$toMillis("2018-11-14T10:15:30.123Z")',
      '$toMillis("14/11/2018", "[D]/[M]/[Y]")',
      '$toMillis("Wednesday, 14th November 2018", "[FNn], [D1o] [MNn] [Y]")',
      '$toMillis("20181114 101530", "[Y0001][M01][D01] [H01][m01][s01]")',
      '$toMillis("xyz", "[Y]")',
      '$fromMillis(1542190530123, "[D01]/[M01]/[Y0001] [H01]:[m01]:[s01].[f001]")',
      '$fromMillis(1542190530123, "[FNn], [D1o] [MNn,3-3] [Y,2-2]")',
      '$formatNumber(1234.5678, "#,##0.00")',
      '$formatInteger(1999, "w")',
      '$parseInteger("twelve thousand", "w")',
    ];
    for (const source of sources) {
      expect(await evaluateExpression(source, scope), source).toEqual(await reference(source));
    }
  });

  it('parse a timestamp with a picture in linear time, and put the global RegExp back', async () => {
    const nativeRegExp = RegExp;
    const digits = '1'.repeat(5_000);
    // jsonata's own backtracking RegExp needs seconds for 120 digits and six [f].
    await expect(evaluateExpression(`$toMillis("${digits}x", "${'[f]'.repeat(30)}")`, scope)).resolves.toBeUndefined();
    await expect(evaluateExpression('$toMillis("14 nov 18", "[D] [Mn,3-3] [Y01]")', scope)).rejects.toMatchObject({
      message: expect.stringContaining('(D3136)') as string,
    });
    expect(globalThis.RegExp).toBe(nativeRegExp);
    expect(/x/.constructor).toBe(nativeRegExp);
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

  it('refuse inputs that would take quadratic time, long pictures or huge strings', async () => {
    const tooMany = MAX_QUADRATIC_ITEMS + 1;
    const sources = [
      `$sort([1..${tooMany}], function($a, $b){ $a < $b })`,
      `$distinct([1..${tooMany}].{"n": $})`,
      `$spread([1..${tooMany}].{"n": $})`,
      `$pad("x", ${MAX_PAD_LENGTH + 1})`,
      `$pad("x", -${MAX_PAD_LENGTH + 1})`,
      `$formatNumber(1, "#" & $pad("", ${MAX_PICTURE_LENGTH}, ",#") & "0")`,
      '$fromMillis(0, "[Y,100000000]")',
      '$fromMillis(0, "[f,*-65]")',
      `$toMillis("1", $pad("", ${MAX_PICTURE_LENGTH + 1}, "[Y]"))`,
      '($s := "0123456789"; $s := $s & $s & $s & $s & $s & $s & $s & $s & $s & $s; $s := $s & $s & $s & $s & $s & $s & $s & $s & $s & $s; $s := $s & $s & $s & $s & $s & $s & $s & $s & $s & $s; $s := $s & $s & $s & $s & $s & $s & $s & $s & $s & $s; $s := $s & $s & $s & $s & $s & $s & $s & $s & $s & $s; $s & "!")',
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
        "expression \`$formatNumber(1, "#" & $pad("", 256, ",#") & "0")\` failed: $formatNumber accepts a picture of at most 256 characters, got 258",
        "expression \`$fromMillis(0, "[Y,100000000]")\` failed: $fromMillis accepts widths of at most 64 in a picture, got 100000000",
        "expression \`$fromMillis(0, "[f,*-65]")\` failed: $fromMillis accepts widths of at most 64 in a picture, got 65",
        "expression \`$toMillis("1", $pad("", 257, "[Y]"))\` failed: $toMillis accepts a picture of at most 256 characters, got 257",
        "expression \`($s := "0123456789"; $s := $s & $s & $s & $s & $s & $s & $s & $s & $s & $s; $s := $s & $s & $s & $s & $s & $s & $s & $s…\` failed: produced a string of 1000001 characters; the limit is 1000000",
      ]
    `);
  });
});
