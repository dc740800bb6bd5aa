import { describe, expect, it } from 'vitest';
import { NexusError } from '../errors.js';
import { compileExpression } from './compile-expression.js';
import { evaluateExpression, type ExpressionScope } from './evaluate-expression.js';
import { DEFAULT_EXPRESSION_MAX_DEPTH, DEFAULT_EXPRESSION_TIMEOUT_MS } from './expression-limits.js';

const scope: ExpressionScope = {
  message: { text: 'hi', channel: 'web' },
  vars: { name: 'Ada', count: 3, tags: ['a', 'b'] },
  nodes: { ask: { output: { answer: 42 } } },
  contact: { id: 'c1' },
};

const FOREVER = '($f := function($x){ $f($x) }; $f(1))';
const NON_TAIL = '($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(vars.n))';
const FIFTY_KB_OF_A = 'a'.repeat(50_000);

async function failureOf(promise: Promise<unknown>): Promise<NexusError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(NexusError);
  return error as NexusError;
}

/**
 * Runs `work` while a 1 ms interval ticks, and returns the ticks seen before `work` settled. Both the
 * interval and the wait are bounded, whatever `work` does.
 */
async function ticksDuring(work: () => Promise<unknown>): Promise<{ ticks: number; outcome: PromiseSettledResult<unknown> }> {
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
  }, 1);
  try {
    const [outcome] = await Promise.allSettled([work()]);
    return { ticks, outcome: outcome as PromiseSettledResult<unknown> };
  } finally {
    clearInterval(timer);
  }
}

describe('evaluateExpression', () => {
  it('reads message, vars, nodes and contact from the scope', async () => {
    await expect(evaluateExpression('message.text = "hi"', scope)).resolves.toBe(true);
    await expect(evaluateExpression('vars.name & " " & contact.id', scope)).resolves.toBe('Ada c1');
    await expect(evaluateExpression('nodes.ask.output.answer + vars.count', scope)).resolves.toBe(45);
    await expect(evaluateExpression('vars.missing', scope)).resolves.toBeUndefined();
  });

  it('sees only the four scope fields, whatever else the caller passes', async () => {
    const wider = { ...scope, secrets: { apiKey: 'sk-123' } } as ExpressionScope;
    await expect(evaluateExpression('$keys($$)', wider)).resolves.toEqual(['message', 'vars', 'nodes', 'contact']);
    await expect(evaluateExpression('secrets.apiKey', wider)).resolves.toBeUndefined();
  });

  it('returns plain arrays and objects, not jsonata sequences or functions', async () => {
    const list = await evaluateExpression('vars.tags.$uppercase($)', scope);
    expect(list).toEqual(['A', 'B']);
    expect(Object.keys(list as object)).toEqual(['0', '1']);
    expect(Object.getPrototypeOf(await evaluateExpression('{"a": 1}', scope))).toBe(Object.prototype);
    await expect(evaluateExpression('function($x){ $x }', scope)).resolves.toBeUndefined();
    await expect(evaluateExpression('{"f": $uppercase, "n": 1}', scope)).resolves.toEqual({ n: 1 });
  });

  it('exports the default limits', () => {
    expect(DEFAULT_EXPRESSION_TIMEOUT_MS).toBe(250);
    expect(DEFAULT_EXPRESSION_MAX_DEPTH).toBe(500);
  });

  it('names the expression and jsonata code when evaluation fails', async () => {
    const error = await failureOf(evaluateExpression('vars.name + 1', scope));
    expect(error.code).toBe('expression_failed');
    expect(error.message).toMatchInlineSnapshot(
      `"expression \`vars.name + 1\` failed: The left side of the "+" operator must evaluate to a number at position 11 (T2001)"`,
    );
  });

  it('reports a syntax error as expression_failed', async () => {
    const error = await failureOf(evaluateExpression('$foo(', scope));
    expect(error.code).toBe('expression_failed');
    expect(error.message).toContain('(S0203)');
  });

  it('truncates a long expression in its message', async () => {
    const long = `vars.name + ${'1 + '.repeat(100)}1`;
    const error = await failureOf(evaluateExpression(long, scope));
    const quoted = /`([^`]*)`/.exec(error.message)?.[1] ?? '';
    expect(quoted.length).toBeLessThanOrEqual(120);
    expect(quoted.endsWith('…')).toBe(true);
  });

  it('refuses limits that make no sense', async () => {
    await expect(evaluateExpression('1', scope, { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(evaluateExpression('1', scope, { maxDepth: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('evaluateExpression under hostile expressions (F-12)', () => {
  it('stops a function that calls itself for ever, tail calls included', async () => {
    const error = await failureOf(evaluateExpression(FOREVER, scope));
    expect(error.code).toBe('expression_timeout');
    expect(error.message).toMatchInlineSnapshot(
      `"expression \`($f := function($x){ $f($x) }; $f(1))\` ran longer than 250 ms and was stopped; look for a loop or recursion that never ends"`,
    );
  });

  it('stops deep non-tail recursion by depth', async () => {
    const error = await failureOf(evaluateExpression(NON_TAIL, { ...scope, vars: { n: 100_000 } }));
    expect(error.code).toBe('expression_too_deep');
    expect(error.message).toContain('nested deeper than 500 levels');
  });

  it('allows recursion that stays within the depth limit', async () => {
    await expect(evaluateExpression(NON_TAIL, { ...scope, vars: { n: 100 } })).resolves.toBe(100);
  });

  it('stops recursion that hides behind a constructor jsonata evaluates side by side', async () => {
    // jsonata leaves isParallelCall set after `[1, 2]`, so the depth count cannot see these calls.
    const hidden = '($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; [1, 2]; $f(1000000))';
    const inArray = '($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; [1, $f(1000000)])';
    for (const source of [hidden, inArray]) {
      const error = await failureOf(evaluateExpression(source, scope, { timeoutMs: 10_000 }));
      expect(error.code).toBe('expression_too_deep');
    }
  });

  it('does not count constructors evaluated side by side as depth', async () => {
    const wideArray = `$count([${Array.from({ length: 1_000 }, (_, i) => i).join(',')}])`;
    await expect(evaluateExpression(wideArray, scope)).resolves.toBe(1_000);
    const items = Array.from({ length: 2_000 }, (_, i) => ({ id: `k${i}`, name: `n${i}` }));
    await expect(evaluateExpression('$count($keys(vars.items{ id: $uppercase(name) }))', { ...scope, vars: { items } })).resolves.toBe(2_000);
    // The test-suite hook pattern drifts by one per array constructor here and fails at 500.
    await expect(evaluateExpression('$count($map([1..3000], function($x){ [$x, $x] }))', scope, { timeoutMs: 5_000 })).resolves.toBe(3_000);
  });

  it('stops recursion run through $eval', async () => {
    const error = await failureOf(evaluateExpression(`$eval(${JSON.stringify(FOREVER)})`, scope));
    expect(error.code).toBe('expression_timeout');
  });

  it('refuses a huge range at once', async () => {
    for (const source of ['[1..10000000]', '$count([1..10000000])', '$sum([1..1000].([1..1000]))']) {
      const error = await failureOf(evaluateExpression(source, scope));
      expect(error.code).toBe('expression_failed');
      expect(error.message).toContain('(D2015)');
    }
  });

  it('finishes catastrophic regexes over 50 kB in linear time', async () => {
    const text = { ...scope, vars: { text: FIFTY_KB_OF_A, bang: `${FIFTY_KB_OF_A}!` } };
    await expect(evaluateExpression('$contains(vars.bang, /(a+)+$/)', text)).resolves.toBe(false);
    await expect(evaluateExpression('$match(vars.text, /(a+)+$/).index', text)).resolves.toBe(0);
    await expect(evaluateExpression('$contains(vars.text, /a*a*a*a*b/)', text)).resolves.toBe(false);
    await expect(evaluateExpression('$count($match(vars.text, /a*a*a*a*b/))', text)).resolves.toBe(0);
    await expect(evaluateExpression('$length($replace(vars.bang, /(a+)+$/, "x"))', text)).resolves.toBe(50_001);
  });

  it('refuses function signatures, also when $eval builds them at run time', async () => {
    // 60 arguments against <n+ ... s> backtrack for hours in jsonata's signature RegExp.
    const manyArguments = '$join([1..60].$string(), ",")';
    const call = `"($f := function($a)<${'n+'.repeat(8)}s>{ 1 }; $f(" & ${manyArguments} & "))"`;
    const error = await failureOf(evaluateExpression(`$eval(${call})`, scope));
    expect(error.code).toBe('expression_failed');
    expect(error.message).toContain('declares the function signature <n+n+n+n+n+n+n+n+s>');
    const direct = await failureOf(evaluateExpression('($f := function($a)<n+s>{ 1 }; $f(1, "x"))', scope));
    expect(direct.message).toContain('declares the function signature <n+s>');
  });

  it('keeps the event loop turning during a runaway evaluation', async () => {
    const { ticks, outcome } = await ticksDuring(() => evaluateExpression(FOREVER, scope));
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'expression_timeout' });
    expect(ticks).toBeGreaterThan(1);
  });

  it('keeps the event loop turning during deep recursion and a huge range', async () => {
    for (const work of [
      () => evaluateExpression(NON_TAIL, { ...scope, vars: { n: 1_000_000 } }, { maxDepth: 100_000, timeoutMs: 200 }),
      () => evaluateExpression('$sum([1..99999].($ * 2))', scope, { timeoutMs: 10_000 }),
    ]) {
      const { ticks, outcome } = await ticksDuring(work);
      expect(ticks).toBeGreaterThan(0);
      if (outcome.status === 'rejected') expect((outcome.reason as NexusError).code).toMatch(/^expression_(timeout|too_deep)$/);
    }
  });

  it('fails closed when a compiled expression is evaluated without a budget', async () => {
    await expect(compileExpression('1 + 1').evaluate({})).rejects.toThrow('must be evaluated through evaluateExpression');
  });
});

describe('evaluateExpression limits per call', () => {
  it('gives concurrent evaluations of one cached expression their own deadlines', async () => {
    const settled: string[] = [];
    const run = (name: string, timeoutMs: number) =>
      evaluateExpression(FOREVER, scope, { timeoutMs }).finally(() => settled.push(name));
    const [short, long] = await Promise.allSettled([run('short', 30), run('long', 300)]);
    expect(settled).toEqual(['short', 'long']);
    expect((short as PromiseRejectedResult).reason.message).toContain('longer than 30 ms');
    expect((long as PromiseRejectedResult).reason.message).toContain('longer than 300 ms');
  });

  it('lets a generous evaluation finish while a strict one of the same source fails beside it', async () => {
    const source = '$sum([1..20000].($ * 2))';
    const [strict, generous] = await Promise.allSettled([
      evaluateExpression(source, scope, { timeoutMs: 1 }),
      evaluateExpression(source, scope, { timeoutMs: 10_000 }),
    ]);
    expect(strict).toMatchObject({ status: 'rejected', reason: { code: 'expression_timeout' } });
    expect(generous).toEqual({ status: 'fulfilled', value: 400_020_000 });
  });

  it('applies a per-call depth limit', async () => {
    const deep = { ...scope, vars: { n: 100 } };
    await expect(evaluateExpression(NON_TAIL, deep, { maxDepth: 50 })).rejects.toMatchObject({ code: 'expression_too_deep' });
    await expect(evaluateExpression(NON_TAIL, deep)).resolves.toBe(100);
  });
});
