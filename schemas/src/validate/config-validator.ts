import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ValidationIssue } from '../types/issues.js';
import type { JsonSchema } from '../types/plugin.js';
import { CONFIG_FORMATS } from './config-formats.js';
import { shortenPointer } from './describe.js';
import { formatSchemaErrors, MESSAGES_KEYWORD } from './format-errors.js';
import { checkConfigSchemaSafety } from './schema-safety.js';

/** Checks one node's config; issue pointers start with `pointer` (e.g. `/nodes/2/config`). */
export type ConfigValidator = (config: unknown, pointer: string) => ValidationIssue[];

/** Keywords a config schema may use beyond JSON Schema 2020-12 (strict ajv refuses any other). */
export const CONFIG_SCHEMA_KEYWORDS: readonly string[] = ['x-raw-keys', MESSAGES_KEYWORD];

/** A compiled schema, or why it cannot be used. */
type Compiled = { validate: ValidateFunction; problem?: undefined } | { validate?: undefined; problem: string };

const MAX_CACHED_SCHEMAS = 1000;
const byText = new Map<string, Compiled>();
const byObject = new WeakMap<object, Compiled>();
let ajv: Ajv2020 | undefined;

/**
 * A separate instance for untrusted plugin schemas, with no `loadSchema`: a remote `$ref` is never
 * fetched. Config schemas carry no `$id` (checkConfigSchemaSafety), so they cannot collide here.
 */
function configAjv(): Ajv2020 {
  if (ajv === undefined) {
    ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      // `anyOf: [{ required: ['text'] }, { required: ['media'] }]` is a common idiom strictRequired refuses.
      strictRequired: false,
      allowUnionTypes: true,
      verbose: true,
    });
    ajv.addKeyword({ keyword: 'x-raw-keys', schemaType: 'array' });
    ajv.addKeyword({ keyword: MESSAGES_KEYWORD, schemaType: 'object' });
    for (const [name, validate] of Object.entries(CONFIG_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  }
  return ajv;
}

/**
 * Compiles a node type's config schema into a function that checks configs and returns issues
 * with human messages. The schema is checked for safety first (see `checkConfigSchemaSafety`),
 * compiled at most once per JSON text, and a schema that cannot be used yields a function that
 * reports why for every config, instead of throwing.
 *
 * @example
 * const validateConfig = compileConfigValidator({
 *   type: 'object',
 *   required: ['minCredits'],
 *   properties: { minCredits: { type: 'integer', minimum: 0 } },
 * });
 * validateConfig({ minCredits: 'five' }, '/nodes/2/config');
 * // [{ code: 'invalid_config', pointer: '/nodes/2/config/minCredits', message: 'must be an integer' }]
 */
export function compileConfigValidator(schema: JsonSchema): ConfigValidator {
  const compiled = compileCached(schema);
  const validate = compiled.validate;
  if (validate === undefined) {
    const message = `this node type's config schema cannot be used (${compiled.problem}); the plugin must fix its manifest`;
    return (_config, pointer) => [{ code: 'unusable_config_schema', pointer, message }];
  }
  return (config, pointer) => {
    try {
      if (validate(config)) return [];
    } catch (error) {
      // A recursive schema meets a value deep enough to exhaust the stack.
      if (error instanceof RangeError) {
        return [{ code: 'nesting_too_deep', pointer, message: 'the config nests too deeply to be checked; flatten it' }];
      }
      throw error;
    }
    return formatSchemaErrors(validate.errors ?? [], pointer, 'invalid_config');
  };
}

/**
 * Why a config schema cannot be compiled (unsafe, not a valid schema, an unknown keyword or
 * format), or `undefined` when it compiles. Shares the cache with `compileConfigValidator`.
 */
export function findConfigSchemaProblem(schema: JsonSchema): string | undefined {
  return compileCached(schema).problem;
}

function compileCached(schema: JsonSchema): Compiled {
  if (typeof schema === 'object' && schema !== null) {
    const known = byObject.get(schema);
    if (known !== undefined) return known;
  }
  const unsafe = checkConfigSchemaSafety(schema, '');
  const compiled = unsafe.length > 0 ? { problem: unsafe.map(describeIssue).join('; ') } : compileByText(schema);
  if (typeof schema === 'object' && schema !== null) byObject.set(schema, compiled);
  return compiled;
}

function compileByText(schema: JsonSchema): Compiled {
  // Safe to stringify: the safety check bounded depth and size.
  const text = JSON.stringify(schema);
  const known = byText.get(text);
  if (known !== undefined) return known;
  let compiled: Compiled;
  try {
    compiled = { validate: configAjv().compile(schema) };
  } catch (error) {
    compiled = { problem: (error as Error).message };
  }
  if (byText.size >= MAX_CACHED_SCHEMAS) byText.delete(byText.keys().next().value as string);
  byText.set(text, compiled);
  return compiled;
}

function describeIssue(issue: ValidationIssue): string {
  const placed = issue.pointer === '' || issue.message.includes(shortenPointer(issue.pointer));
  return placed ? issue.message : `at ${issue.pointer}: ${issue.message}`;
}
