import { describe, expect, it } from 'vitest';
import { checkExpression, compileExpression } from './compile-expression.js';
import { evaluateExpression } from './evaluate-expression.js';

describe('compileExpression', () => {
  it('returns the same compiled object for the same source', () => {
    const first = compileExpression('vars.cached + 1');
    expect(compileExpression('vars.cached + 1')).toBe(first);
    expect(compileExpression('vars.cached + 2')).not.toBe(first);
  });

  it('throws jsonata’s syntax error for a bad expression', () => {
    expect(() => compileExpression('$foo(')).toThrow(expect.objectContaining({ code: 'S0203', position: 5 }) as Error);
  });
});

describe('checkExpression', () => {
  it('accepts a valid expression', () => {
    expect(checkExpression('message.text = "hi" and $count(vars.tags) > 0')).toBeUndefined();
    expect(checkExpression('$match(message.text, /^order (\\d+)$/i)')).toBeUndefined();
  });

  it('says what is wrong, where, and jsonata’s code', () => {
    expect(checkExpression('$foo(')).toMatchInlineSnapshot(`"\`$foo(\` is not valid JSONata: Expected ")" before end of expression at position 5 (S0203)"`);
    expect(checkExpression('vars.a +')).toMatchInlineSnapshot(`"\`vars.a +\` is not valid JSONata: Unexpected end of expression at position 8 (S0207)"`);
    expect(checkExpression('"unclosed')).toMatchInlineSnapshot(
      `"\`"unclosed\` is not valid JSONata: String literal must be terminated by a matching quote at position 9 (S0101)"`,
    );
    expect(checkExpression('')).toMatchInlineSnapshot(`"\`\` is not valid JSONata: Unexpected end of expression at position 0 (S0207)"`);
  });

  it('reports regexes the linear-time engine cannot run, before anything runs', () => {
    expect([
      checkExpression('$match(message.text, /(a)\\1/)'),
      checkExpression('$contains(message.text, /(?<name>a)\\k<name>/)'),
      checkExpression('$replace(message.text, /foo(?=bar)/, "")'),
      checkExpression('$split(message.text, /(?<!x),/)'),
      checkExpression('$match(message.text, /a{1001}/)'),
    ]).toMatchInlineSnapshot(`
      [
        "\`$match(message.text, /(a)\\1/)\` has a regular expression at position 28 that cannot run: /(a)\\1/ uses the backreference \\1; the linear-time regex engine (RE2) has no backreferences or lookaround",
        "\`$contains(message.text, /(?<name>a)\\k<name>/)\` has a regular expression at position 44 that cannot run: /(?<name>a)\\k<name>/ uses a named backreference \`\\k<...>\`; the linear-time regex engine (RE2) has no backreferences or lookaround",
        "\`$replace(message.text, /foo(?=bar)/, "")\` has a regular expression at position 35 that cannot run: /foo(?=bar)/ uses a lookahead \`(?=\`; the linear-time regex engine (RE2) has no backreferences or lookaround",
        "\`$split(message.text, /(?<!x),/)\` has a regular expression at position 30 that cannot run: /(?<!x),/ uses a lookbehind \`(?<!\`; the linear-time regex engine (RE2) has no backreferences or lookaround",
        "\`$match(message.text, /a{1001}/)\` has a regular expression at position 30 that cannot run: /a{1001}/ is refused by the linear-time regex engine (RE2): invalid repeat count: \`{1001}\`",
      ]
    `);
  });

  it('refuses function signatures, which jsonata checks with a backtracking RegExp', () => {
    expect(checkExpression('($f := function($a)<n+n+s>{ 1 }; $f(1, 2, "x"))')).toMatchInlineSnapshot(
      `"\`($f := function($a)<n+n+s>{ 1 }; $f(1, 2, "x"))\` declares the function signature <n+n+s> at position 16; remove it, signatures are not supported because jsonata checks them with a backtracking regular expression"`,
    );
    expect(checkExpression('($f := function($a){ 1 }; $f(1))')).toBeUndefined();
  });

  it('finds regexes nested anywhere in the expression', () => {
    const nested = '{"a": [1, $map(vars.x, function($v){ $v ? $match($v, /(x)\\1/) : [] })]}';
    expect(checkExpression(nested)).toContain('uses the backreference \\1');
  });

  it('leaves a regex built at run time by $eval to fail when it runs', async () => {
    expect(checkExpression('$eval("$match(\\"aa\\", /(a)\\\\1/)")')).toBeUndefined();
    await expect(evaluateExpression('$eval("$match(\\"aa\\", /(a)\\\\1/)")', {})).rejects.toMatchObject({
      code: 'expression_failed',
      message: expect.stringContaining('uses the backreference') as string,
    });
  });

  it('reports an expression nested too deeply for the parser instead of throwing', () => {
    const deep = `${'('.repeat(20_000)}1${')'.repeat(20_000)}`;
    expect(checkExpression(deep)).toContain('is not valid JSONata: the expression is nested too deeply');
  });
});
