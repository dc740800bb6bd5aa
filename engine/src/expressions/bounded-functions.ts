import type jsonata from 'jsonata';
import { distinct, pad, sort, spread } from './bounded-collections.js';
import { evaluate } from './bounded-eval.js';
import { formatInteger, formatNumber, fromMillis, parseInteger, toMillis } from './bounded-pictures.js';

/**
 * Replaces the built-ins that can run long inside a single call, where the evaluation hooks cannot
 * stop them, on one compiled expression. The signatures are jsonata's own, so arguments are
 * checked exactly as before.
 */
export function installBoundedFunctions(expression: jsonata.Expression): void {
  expression.registerFunction('pad', pad, '<s-ns?:s>');
  expression.registerFunction('sort', sort, '<af?:a>');
  expression.registerFunction('distinct', distinct, '<x:x>');
  expression.registerFunction('spread', spread, '<x-:a<o>>');
  expression.registerFunction('formatNumber', formatNumber, '<n-so?:s>');
  expression.registerFunction('formatInteger', formatInteger, '<n-s:s>');
  expression.registerFunction('parseInteger', parseInteger, '<s-s:n>');
  expression.registerFunction('fromMillis', fromMillis, '<n-s?s?:s>');
  expression.registerFunction('toMillis', toMillis, '<s-s?:n>');
  expression.registerFunction('eval', evaluate, '<sx?:x>');
}
