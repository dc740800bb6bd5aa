import jsonata from 'jsonata';
import { installBoundedFunctions } from './bounded-functions.js';
import { installBudgetHooks } from './evaluation-budget.js';
import { describeSyntaxError, quoteExpression } from './expression-errors.js';
import { EXPRESSION_CACHE_SIZE, MAX_SEQUENCE_LENGTH } from './expression-limits.js';
import { LruCache } from './lru-cache.js';
import { explainUnsupportedRegex, Re2RegexEngine } from './re2-regex-engine.js';

/** A parsed JSONata expression with the budget hooks, the RE2 regex engine and bounded built-ins. */
export type CompiledExpression = jsonata.Expression;

const cache = new LruCache<string, CompiledExpression>(EXPRESSION_CACHE_SIZE);

const OPTIONS: jsonata.JsonataOptions = {
  // jsonata only calls `new RegexEngine(literal)`, `exec` and `lastIndex`; see re2-regex-engine.ts.
  RegexEngine: Re2RegexEngine as unknown as RegExpConstructor,
  sequence: MAX_SEQUENCE_LENGTH,
};

/**
 * Parses an expression once and returns the cached result afterwards. Evaluate it only through
 * {@link evaluateExpression} or a template renderer: its hooks refuse to run without a budget.
 *
 * @throws the jsonata syntax error (a plain object with `code` and `position`) when it does not parse
 */
export function compileExpression(source: string): CompiledExpression {
  let expression = cache.get(source);
  if (expression === undefined) {
    expression = jsonata(source, OPTIONS);
    installBudgetHooks(expression);
    installBoundedFunctions(expression);
    cache.set(source, expression);
  }
  return expression;
}

interface RegexNode {
  value: RegExp;
  position?: number;
}

/** Regex literals anywhere in the AST. Iterative, and each object visited once. */
function findRegexLiterals(ast: unknown): RegexNode[] {
  const found: RegexNode[] = [];
  const seen = new Set<object>();
  const pending: unknown[] = [ast];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null || seen.has(node) || node instanceof RegExp) continue;
    seen.add(node);
    const record = node as Record<string, unknown>;
    if (record['type'] === 'regex' && record['value'] instanceof RegExp) found.push(record as unknown as RegexNode);
    for (const child of Array.isArray(node) ? node : Object.values(record)) pending.push(child);
  }
  return found;
}

/**
 * Checks an expression without running it: syntax, and regex literals the linear-time engine
 * cannot run (backreferences, lookaround).
 *
 * @returns a sentence that names the expression and the problem, or undefined when it is fine
 * @example
 * checkExpression('$foo(');
 * // '`$foo(` is not valid JSONata: Expected ")" before end of expression at position 5 (S0203)'
 */
export function checkExpression(source: string): string | undefined {
  let expression: CompiledExpression;
  try {
    expression = compileExpression(source);
  } catch (error) {
    return describeSyntaxError(source, error);
  }
  for (const regex of findRegexLiterals(expression.ast())) {
    const problem = explainUnsupportedRegex(regex.value);
    if (problem !== undefined) {
      const at = typeof regex.position === 'number' ? ` at position ${regex.position}` : '';
      return `${quoteExpression(source)} has a regular expression${at} that cannot run: ${problem}`;
    }
  }
  return undefined;
}
