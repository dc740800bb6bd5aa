import type { ValidationIssue } from '../types/issues.js';
import { describeValue } from './describe.js';
import { appendPointer } from './json-pointer.js';
import { prescanJson } from './prescan.js';
import { findRegexHazard } from './regex-safety.js';

/** Deepest nesting of a plugin's config schema, in JSON pointer segments. */
export const MAX_CONFIG_SCHEMA_DEPTH = 32;
/** Largest config schema, in characters of compact JSON (64 KiB). */
export const MAX_CONFIG_SCHEMA_CHARS = 64 * 1024;
/** Most values one `enum` of a config schema may list. */
export const MAX_ENUM_VALUES = 1000;

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const REF_KEYWORDS = new Set(['$ref', '$dynamicRef', '$recursiveRef']);
/** Keywords whose value is one schema (`items` also takes an array in older drafts). */
const SCHEMA_KEYWORDS = new Set([
  'not', 'if', 'then', 'else', 'items', 'contains', 'propertyNames', 'additionalProperties',
  'unevaluatedProperties', 'unevaluatedItems', 'additionalItems',
]);
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is literal data: a `$data` or `pattern` key inside is just data. */
const LITERAL_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

type Role = 'schema' | 'schema-list' | 'schema-map' | 'keyword-value' | 'literal';

interface Visit {
  value: unknown;
  pointer: string;
  role: Role;
}

const unsafe = (pointer: string, message: string): ValidationIssue => ({ code: 'unsafe_config_schema', pointer, message });

/**
 * Checks a plugin's config schema before ajv ever compiles it. ajv treats schemas as trusted code,
 * and these come from plugin manifests, so they are bounded first (RELIABILITY F-14): depth 32,
 * 64 KiB, no reserved keys, only local `$ref`s (nothing is ever fetched), no `$data` or `$id`, `pattern`s
 * and `patternProperties` keys of at most 200 characters without nested quantifiers, `enum`s of
 * at most 1000 values. The walk is iterative and stops once the size limit is passed.
 *
 * @example
 * checkConfigSchemaSafety({ type: 'string', pattern: '(a+)+$' }, '/nodes/0/config');
 * // [{ code: 'unsafe_config_schema', pointer: '/nodes/0/config/pattern', message: 'pattern "(a+)+$" is refused: ...' }]
 */
export function checkConfigSchemaSafety(schema: unknown, pointer: string): ValidationIssue[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return [unsafe(pointer, 'a config schema must be a JSON Schema object, e.g. { "type": "object", "properties": {} }')];
  }
  const scanned = prescanJson(schema, { maxDepth: MAX_CONFIG_SCHEMA_DEPTH, basePointer: pointer });
  if (scanned.length > 0) return scanned;

  const issues: ValidationIssue[] = [];
  const declared = (schema as Record<string, unknown>).$schema;
  if (declared !== undefined && declared !== DRAFT_2020_12) {
    issues.push(unsafe(`${pointer}/$schema`, `this engine reads JSON Schema 2020-12; set "$schema" to "${DRAFT_2020_12}" or remove it`));
  }
  let size = 0;
  const stack: Visit[] = [{ value: schema, pointer, role: 'schema' }];
  while (stack.length > 0) {
    const { value, pointer: at, role } = stack.pop() as Visit;
    size += sizeOf(value);
    if (size > MAX_CONFIG_SCHEMA_CHARS) {
      issues.push(unsafe(pointer, `the config schema is larger than 64 KiB (${MAX_CONFIG_SCHEMA_CHARS} characters of compact JSON); keep it small and move long lists into the plugin's code`));
      break;
    }
    if (typeof value !== 'object' || value === null) continue;
    const children: Visit[] = [];
    for (const [key, child] of Object.entries(value)) {
      const childPointer = appendPointer(at, key);
      size += Array.isArray(value) ? 0 : JSON.stringify(key).length + 1;
      if (role !== 'literal') issues.push(...checkKeyword(key, child, childPointer, role));
      children.push({ value: child, pointer: childPointer, role: childRole(role, key, child) });
    }
    // Reversed so that issues come out in document order.
    stack.push(...children.reverse());
  }
  return issues;
}

/** Compact JSON length of a value without its children (they are counted when visited). */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return JSON.stringify(value).length;
  if (typeof value !== 'object' || value === null) return String(value).length;
  const count = Array.isArray(value) ? value.length : Object.keys(value).length;
  return 2 + Math.max(0, count - 1);
}

function checkKeyword(key: string, value: unknown, pointer: string, role: Role): ValidationIssue[] {
  if (key === '$data') {
    return [unsafe(pointer, '"$data" references are not supported in config schemas; use fixed values')];
  }
  if (role !== 'schema') return [];
  if (key === '$id') {
    return [unsafe(pointer, 'config schemas share one validator, so they may not declare "$id"; remove it and refer to parts of the schema with "#/$defs/name"')];
  }
  if (REF_KEYWORDS.has(key) && typeof value === 'string' && !value.startsWith('#')) {
    return [unsafe(pointer, `${key} ${describeValue(value)} points outside this schema; only local references such as "#/$defs/name" are allowed, remote schemas are never fetched`)];
  }
  if (key === 'pattern' && typeof value === 'string') {
    const hazard = findRegexHazard(value);
    if (hazard !== undefined) return [unsafe(pointer, `pattern ${describeValue(value)} is refused: ${hazard}`)];
  }
  if (key === 'patternProperties' && typeof value === 'object' && value !== null) {
    return Object.keys(value).flatMap((source) => {
      const hazard = findRegexHazard(source);
      return hazard === undefined ? [] : [unsafe(appendPointer(pointer, source), `patternProperties key ${describeValue(source)} is refused: ${hazard}`)];
    });
  }
  if (key === 'enum' && Array.isArray(value) && value.length > MAX_ENUM_VALUES) {
    return [unsafe(pointer, `enum lists ${value.length} values (max ${MAX_ENUM_VALUES}); use a pattern, or check the value in the plugin's code`)];
  }
  return [];
}

function childRole(role: Role, key: string, child: unknown): Role {
  switch (role) {
    case 'literal':
      return 'literal';
    case 'schema-list':
    case 'schema-map':
      return 'schema';
    case 'keyword-value':
      return 'keyword-value';
    case 'schema':
      if (LITERAL_KEYWORDS.has(key)) return 'literal';
      if (SCHEMA_MAP_KEYWORDS.has(key)) return 'schema-map';
      if (SCHEMA_LIST_KEYWORDS.has(key) || (key === 'items' && Array.isArray(child))) return 'schema-list';
      if (SCHEMA_KEYWORDS.has(key)) return 'schema';
      return 'keyword-value';
  }
}
