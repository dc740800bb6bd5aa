import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ValidationIssue } from '../types/issues.js';
import { describeTypes, describeValue, shorten, typesOf } from './describe.js';
import { isBranchKeyword, summarizeBranches, takeBranches, type FoldedError } from './format-branches.js';
import { appendPointer } from './json-pointer.js';

/** Human messages a schema gives per keyword, `{value}` standing for the failing value. */
export const MESSAGES_KEYWORD = 'x-messages';

const MAX_LISTED = 12;

/**
 * Turns ajv errors into issues a person can act on: a JSON pointer into the document and a
 * sentence. ajv must run with `verbose: true` (for the failing value and schema) and
 * `allErrors: true`. Errors of failed `anyOf`/`oneOf` branches are folded into one issue, and
 * repeated issues are dropped.
 *
 * @example
 * const validate = ajv.compile(schema);
 * if (!validate(config)) formatSchemaErrors(validate.errors ?? [], '/nodes/2/config');
 * // [{ code: 'schema', pointer: '/nodes/2/config/model', message: 'must be a string' }]
 */
export function formatSchemaErrors(
  errors: readonly ErrorObject[],
  basePointer = '',
  code = 'schema',
): ValidationIssue[] {
  const folded: FoldedError[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || (error.keyword === 'propertyNames' && error.propertyName === undefined)) continue;
    if (isBranchKeyword(error.keyword)) {
      const branches = takeBranches(error, folded);
      folded.push({ error, issues: summarizeBranches(error, branches, { basePointer, code, custom: customMessage(error) }) });
      continue;
    }
    folded.push({ error, issues: [{ code, pointer: basePointer + pointerOf(error), message: messageOf(error) }] });
  }
  return dedupe(folded.flatMap((entry) => entry.issues));
}

/** Where the problem is: the extra key, the duplicate item or the bad property name, not the parent. */
function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.propertyName !== undefined) return appendPointer(error.instancePath, error.propertyName);
  switch (error.keyword) {
    case 'additionalProperties':
      return appendPointer(error.instancePath, String(params.additionalProperty));
    case 'unevaluatedProperties':
      return appendPointer(error.instancePath, String(params.unevaluatedProperty));
    case 'uniqueItems':
      return appendPointer(error.instancePath, Number(params.j));
    default:
      return error.instancePath;
  }
}

function customMessage(error: ErrorObject): string | undefined {
  const messages = (error.parentSchema as Record<string, unknown> | undefined)?.[MESSAGES_KEYWORD];
  if (typeof messages !== 'object' || messages === null) return undefined;
  const text = (messages as Record<string, unknown>)[error.keyword];
  if (typeof text !== 'string') return undefined;
  const value = error.propertyName ?? error.data;
  return text.replace('{value}', describeValue(value));
}

/** One sentence per failed keyword; the pointer says where. */
function messageOf(error: ErrorObject): string {
  const custom = error.keyword === 'type' ? undefined : customMessage(error);
  if (custom !== undefined) return custom;
  const params = error.params as Record<string, unknown>;
  const subject = error.propertyName === undefined ? '' : `property name ${describeValue(error.propertyName)} `;
  switch (error.keyword) {
    case 'type':
      return `${subject}must be ${describeTypes(typesOf(params.type))}`;
    case 'required':
      return `missing required property "${String(params.missingProperty)}"`;
    case 'dependentRequired':
      return `missing property "${String(params.missingProperty)}", required when "${String(params.property)}" is set`;
    case 'additionalProperties':
      return unknownProperty(String(params.additionalProperty), error.parentSchema);
    case 'unevaluatedProperties':
      return unknownProperty(String(params.unevaluatedProperty), error.parentSchema);
    case 'enum':
      return `${subject}must be one of: ${listValues(params.allowedValues)}`;
    case 'const':
      return `${subject}must be ${shorten(JSON.stringify(params.allowedValue) ?? 'null', 200)}`;
    case 'pattern':
      return `${subject}must match the pattern ${shorten(String(params.pattern), 200)}`;
    case 'format':
      return `${subject}must be a valid ${String(params.format)}`;
    case 'minLength':
      return Number(params.limit) === 1 ? `${subject}must not be empty` : `${subject}must be at least ${String(params.limit)} characters long`;
    case 'maxLength':
      return `${subject}must be at most ${String(params.limit)} characters long`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${COMPARISONS[String(params.comparison)] ?? String(params.comparison)} ${String(params.limit)}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}`;
    case 'minItems':
      return `must have at least ${plural(Number(params.limit), 'item')}`;
    case 'maxItems':
      return `must have at most ${plural(Number(params.limit), 'item')}`;
    case 'minProperties':
      return `must have at least ${plural(Number(params.limit), 'property', 'properties')}`;
    case 'maxProperties':
      return `must have at most ${plural(Number(params.limit), 'property', 'properties')}`;
    case 'uniqueItems':
      return `repeats item ${String(params.i)}; each item must be unique`;
    case 'contains':
      return 'must contain at least one matching item';
    case 'not':
      return describeNot(error.parentSchema);
    case 'false schema':
      return 'is not allowed here';
    default:
      return `${subject}${error.message ?? 'is not valid'}`;
  }
}

const COMPARISONS: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'greater than', '<': 'less than' };

function unknownProperty(name: string, parentSchema: unknown): string {
  const properties = (parentSchema as { properties?: unknown } | undefined)?.properties;
  const allowed = typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
  const hint = allowed.length === 0 ? 'no properties are allowed here' : `allowed: ${listNames(allowed)}`;
  return `unknown property ${describeValue(name)} (${hint})`;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, … (${names.length} in all)` : shown;
}

function listValues(values: unknown): string {
  const list = Array.isArray(values) ? values : [];
  const shown = list.slice(0, MAX_LISTED).map((v) => shorten(JSON.stringify(v) ?? 'null', 80));
  return list.length > MAX_LISTED ? `${shown.join(', ')}, … (${list.length} in all)` : shown.join(', ');
}

function describeNot(parentSchema: unknown): string {
  const not = (parentSchema as { not?: unknown } | undefined)?.not;
  if (typeof not === 'object' && not !== null && 'const' in not) {
    return `must not be ${shorten(JSON.stringify((not as { const: unknown }).const) ?? 'null', 80)}`;
  }
  return 'matches a form that is not allowed here';
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.code}\u0000${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
