import { NexusError } from '../errors.js';
import { compileExpression, describeCompileError, type CompiledExpression } from './compile-expression.js';
import { BUDGET_BINDING, EvaluationBudget } from './evaluation-budget.js';
import { resolveLimits, type EvaluationLimits } from './expression-limits.js';
import { toEvaluationError } from './expression-errors.js';
import { toPlainData } from './to-plain-data.js';

/**
 * What an expression reads: the input document is exactly these four fields, so an expression
 * writes `message.text`, `vars.name`, `nodes.ask.output` or `contact.id`. `$$` is this document too.
 *
 * Nothing else of the host is in reach. JSONata has no JavaScript escape hatch: `$eval` parses
 * JSONata, not JavaScript; the function library works on values (strings, numbers, arrays, dates,
 * `$now`, `$random`); jsonata 2.2 reads own properties only, so `constructor` and `__proto__`
 * resolve to nothing; and the transform operator `~> | ... |` works on a copy. Results come back
 * as plain data (see toPlainData).
 */
export interface ExpressionScope {
  message?: unknown;
  vars?: unknown;
  nodes?: unknown;
  contact?: unknown;
}

/** The input document: a fresh object, so nothing else on the caller's context is reachable. */
function toInputDocument(scope: ExpressionScope): ExpressionScope {
  return { message: scope.message, vars: scope.vars, nodes: scope.nodes, contact: scope.contact };
}

/** An expression with the text it was compiled from, which error messages quote. */
export interface SourcedExpression {
  source: string;
  expression: CompiledExpression;
}

/**
 * Runs a compiled expression under a budget that the caller owns (and finishes). Several
 * expressions evaluated one after another may share a budget, and so a deadline.
 */
export async function evaluateUnderBudget(target: SourcedExpression, scope: ExpressionScope, budget: EvaluationBudget): Promise<unknown> {
  try {
    return toPlainData(await target.expression.evaluate(toInputDocument(scope), { [BUDGET_BINDING]: budget }));
  } catch (error) {
    throw toEvaluationError(target.source, error);
  }
}

/** Compiles (or fetches from the cache) and turns a refusal into `expression_failed`. */
export function compileOrFail(source: string): CompiledExpression {
  try {
    return compileExpression(source);
  } catch (error) {
    throw new NexusError('expression_failed', describeCompileError(source, error), { cause: error });
  }
}

/**
 * Evaluates a JSONata expression over `{ message, vars, nodes, contact }`, bounded in time and depth.
 * The event loop keeps running during a long evaluation. The result is plain JSON-shaped data.
 *
 * @param limits overrides of {@link DEFAULT_EXPRESSION_TIMEOUT_MS} and {@link DEFAULT_EXPRESSION_MAX_DEPTH}
 * @throws NexusError `expression_timeout`, `expression_too_deep` or `expression_failed`, with a
 *   message that quotes the expression and gives jsonata's error code
 * @example
 * await evaluateExpression('message.text = "hi"', { message: { text: 'hi' }, vars: {}, nodes: {}, contact: { id: 'c1' } });
 * // true
 */
export async function evaluateExpression(source: string, scope: ExpressionScope, limits?: Partial<EvaluationLimits>): Promise<unknown> {
  const budget = new EvaluationBudget(resolveLimits(limits));
  try {
    return await evaluateUnderBudget({ source, expression: compileOrFail(source) }, scope, budget);
  } finally {
    budget.finish();
  }
}
