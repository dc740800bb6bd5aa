import jsonata from 'jsonata';
import { installBoundedFunctions } from './bounded-functions.js';
import { installBudgetHooks } from './evaluation-budget.js';
import { describeSyntaxError, quoteExpression } from './expression-errors.js';
import { EXPRESSION_CACHE_SIZE, MAX_SEQUENCE_LENGTH } from './expression-limits.js';
import { LruCache } from './lru-cache.js';
import { Re2RegexEngine } from './re2-regex-engine.js';
import { findUnsafeConstruct } from './unsafe-constructs.js';

/** A parsed JSONata expression with the budget hooks, the RE2 regex engine and bounded built-ins. */
export type CompiledExpression = jsonata.Expression;

const cache = new LruCache<string, CompiledExpression>(EXPRESSION_CACHE_SIZE);

const OPTIONS: jsonata.JsonataOptions = {
  // jsonata only calls `new RegexEngine(literal)`, `exec` and `lastIndex`; see re2-regex-engine.ts.
  RegexEngine: Re2RegexEngine as unknown as RegExpConstructor,
  sequence: MAX_SEQUENCE_LENGTH,
};

/** Thrown by compileExpression for an expression that parses but must not run on the host. */
export class UnsafeExpressionError extends Error {
  constructor(source: string, description: string) {
    super(`${quoteExpression(source)} ${description}`);
    this.name = 'UnsafeExpressionError';
  }
}

/**
 * Parses an expression once and returns the cached result afterwards. Evaluate it only through
 * {@link evaluateExpression} or a template renderer: its hooks refuse to run without a budget.
 *
 * @throws the jsonata syntax error (a plain object with `code` and `position`) when it does not
 *   parse, or an UnsafeExpressionError for a regex RE2 refuses or a function signature
 */
export function compileExpression(source: string): CompiledExpression {
  let expression = cache.get(source);
  if (expression === undefined) {
    expression = jsonata(source, OPTIONS);
    const unsafe = findUnsafeConstruct(expression.ast());
    if (unsafe !== undefined) throw new UnsafeExpressionError(source, unsafe.description);
    installBudgetHooks(expression);
    installBoundedFunctions(expression);
    cache.set(source, expression);
  }
  return expression;
}

/** The sentence for an expression compileExpression refused. */
export function describeCompileError(source: string, error: unknown): string {
  return error instanceof UnsafeExpressionError ? error.message : describeSyntaxError(source, error);
}

/**
 * Checks an expression without running it: syntax, regex literals the linear-time engine cannot
 * run (backreferences, lookaround), and function signatures (checked by a backtracking RegExp).
 *
 * @returns a sentence that names the expression and the problem, or undefined when it is fine
 * @example
 * checkExpression('$foo(');
 * // '`$foo(` is not valid JSONata: Expected ")" before end of expression at position 5 (S0203)'
 */
export function checkExpression(source: string): string | undefined {
  try {
    compileExpression(source);
    return undefined;
  } catch (error) {
    return describeCompileError(source, error);
  }
}
