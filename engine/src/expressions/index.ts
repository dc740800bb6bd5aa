export { compileExpression, checkExpression } from './compile-expression.js';
export type { CompiledExpression } from './compile-expression.js';
export { evaluateExpression } from './evaluate-expression.js';
export type { ExpressionScope } from './evaluate-expression.js';
export {
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  DEFAULT_EXPRESSION_MAX_DEPTH,
  EXPRESSION_CACHE_SIZE,
  MAX_PAD_LENGTH,
  MAX_PICTURE_LENGTH,
  MAX_PICTURE_WIDTH,
  MAX_QUADRATIC_ITEMS,
  MAX_SEQUENCE_LENGTH,
  MAX_STRING_LENGTH,
} from './expression-limits.js';
export type { EvaluationLimits } from './expression-limits.js';
export { compileTemplates } from './compile-templates.js';
export type { TemplateRenderer } from './compile-templates.js';
export { checkTemplates } from './check-templates.js';
export { Re2RegexEngine } from './re2-regex-engine.js';
