import type { JsonSchema } from '@nexusflow/schemas';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The config a new node starts with: every property's `default`, and for required properties
 * without one an empty array (`type: array`) or a nested object of defaults (`type: object`), so a
 * fresh `core/branch` starts as `{ conditions: [] }` (valid, one `else` port).
 *
 * @example
 * defaultConfig({ type: 'object', properties: { provider: { type: 'string', default: 'openai' } } });
 * // { provider: 'openai' }
 */
export function defaultConfig(schema: JsonSchema): Record<string, unknown> {
  const value = defaultsOf(schema, 0);
  return isObject(value) ? value : {};
}

const MAX_DEPTH = 8;

function defaultsOf(schema: unknown, depth: number): unknown {
  if (!isObject(schema) || depth > MAX_DEPTH) return undefined;
  if ('default' in schema) return clone(schema['default']);
  if (schema['type'] !== 'object' && !isObject(schema['properties'])) return undefined;
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].filter((k): k is string => typeof k === 'string') : []);
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(properties)) {
    if (!isObject(sub)) continue;
    if ('default' in sub) out[key] = clone(sub['default']);
    else if (!required.has(key)) continue;
    else if (sub['type'] === 'array') out[key] = [];
    else if (sub['type'] === 'object' || isObject(sub['properties'])) out[key] = defaultsOf(sub, depth + 1) ?? {};
  }
  return out;
}

/**
 * A copy of a config without `undefined` values (a cleared form field), so documents stay JSON.
 * Array holes stay as they are; only object keys are dropped.
 */
export function pruneUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => pruneUndefined(item)) as T;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) out[key] = pruneUndefined(item);
  }
  return out as T;
}
