import { NexusError } from '../errors.js';
import { MAX_SEQUENCE_LENGTH, QUOTED_EXPRESSION_MAX_LENGTH } from './expression-limits.js';

/** What jsonata throws: a plain object (not an Error) with a code such as `S0203` or `T2002`. */
interface JsonataErrorShape {
  code: string;
  message?: string;
  position?: number;
  /** `$eval` wraps the error of the inner expression here. */
  error?: unknown;
}

/** Thrown by the evaluation hooks when an evaluation runs out of time or depth. */
export class ExpressionBudgetError extends Error {
  // Not named `code`: jsonata treats `code` as one of its own error codes.
  readonly kind: 'expression_timeout' | 'expression_too_deep';

  constructor(kind: 'expression_timeout' | 'expression_too_deep', message: string) {
    super(message);
    this.name = 'ExpressionBudgetError';
    this.kind = kind;
  }
}

/** Thrown by a bounded built-in function whose input is too large to process safely. */
export class ExpressionLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionLimitError';
  }
}

/** Quotes an expression for a message: whitespace collapsed, cut to {@link QUOTED_EXPRESSION_MAX_LENGTH}. */
export function quoteExpression(source: string): string {
  const flat = source.replace(/\s+/g, ' ').trim();
  const cut = flat.length > QUOTED_EXPRESSION_MAX_LENGTH ? `${flat.slice(0, QUOTED_EXPRESSION_MAX_LENGTH - 1)}…` : flat;
  return `\`${cut}\``;
}

function isJsonataError(error: unknown): error is JsonataErrorShape {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

/** jsonata's own words, with its position and code: `Expected ")" ... at position 5 (S0203)`. */
function describeJsonataError(error: JsonataErrorShape): string {
  const at = typeof error.position === 'number' ? ` at position ${error.position}` : '';
  // jsonata's D2015 text quotes the attempted size as if it were the maximum.
  const message = error.code === 'D2015' ? `a sequence would exceed the limit of ${MAX_SEQUENCE_LENGTH} items` : (error.message ?? 'error');
  return `${message}${at} (${error.code})`;
}

function describeAnything(error: unknown): string {
  if (isJsonataError(error)) return describeJsonataError(error);
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'the expression is nested too deeply';
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The sentence for an expression that does not parse, e.g. `` `$foo(` is not valid JSONata: ... (S0203) ``. */
export function describeSyntaxError(source: string, error: unknown): string {
  return `${quoteExpression(source)} is not valid JSONata: ${describeAnything(error)}`;
}

/** Finds the budget error under `$eval`'s D3121 wrappers; the chain is short, but bounded anyway. */
function findBudgetError(error: unknown): ExpressionBudgetError | undefined {
  let current = error;
  for (let hops = 0; hops < 100 && typeof current === 'object' && current !== null; hops += 1) {
    if (current instanceof ExpressionBudgetError) return current;
    current = (current as { error?: unknown }).error;
  }
  return undefined;
}

/** Turns whatever an evaluation threw into a NexusError that names the expression. */
export function toEvaluationError(source: string, error: unknown): NexusError {
  const budgetError = findBudgetError(error);
  if (budgetError !== undefined) {
    return new NexusError(budgetError.kind, `expression ${quoteExpression(source)} ${budgetError.message}`, { cause: error });
  }
  return new NexusError('expression_failed', `expression ${quoteExpression(source)} failed: ${describeAnything(error)}`, { cause: error });
}
