import type { ErrorSchema } from '@rjsf/utils';
import type { JsonSchema } from '@nexusflow/schemas';
import type { FlowProblem } from './types.js';
import { configPathOf } from './ui-schema.js';

/** A problem the form cannot show under a field, with the config path it is about, if any. */
export interface GeneralProblem extends FlowProblem {
  /** `media.url` for `/nodes/3/config/media/url`; undefined when the problem is not about the config. */
  field?: string;
}

export type Schema = Record<string, unknown>;
export const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * How much of a config path the form draws as fields: `['buttons', '0', 'title']` all of it,
 * `['bogus']` none (an unknown key of a closed object has no field to show an error under).
 */
export function drawnDepth(schema: JsonSchema, config: unknown, path: readonly string[]): number {
  let at: unknown = schema;
  let data: unknown = config;
  for (let depth = 0; depth < path.length; depth += 1) {
    const key = path[depth] as string;
    const next = childSchema(at, data, key);
    if (next === undefined) return depth;
    at = next;
    data = isObject(data) || Array.isArray(data) ? (data as Record<string, unknown>)[key] : undefined;
  }
  return path.length;
}

function childSchema(schema: unknown, data: unknown, key: string): unknown {
  if (!isObject(schema)) return undefined;
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  if (isObject(properties[key])) return properties[key];
  // Beyond its own properties, a choice between shapes (anyOf/oneOf) is drawn as one field: errors inside it go on the field.
  if (schema['anyOf'] !== undefined || schema['oneOf'] !== undefined || schema['$ref'] !== undefined) return undefined;
  if (Array.isArray(schema['items'])) return /^\d+$/.test(key) ? schema['items'][Number(key)] : undefined;
  if (isObject(schema['items'])) return /^\d+$/.test(key) ? schema['items'] : undefined;
  const extra = schema['additionalProperties'];
  if (isObject(data) && key in data && (isObject(extra) || extra === true)) return isObject(extra) ? extra : {};
  return undefined;
}

/**
 * Splits a node's problems into rjsf `extraErrors` (shown under the field each is about) and the
 * problems no drawn field matches (about the node, its config as a whole, or a key the form does not
 * draw), which the inspector lists above the form. A problem inside a field that is not drawn in
 * full (deep inside a choice of shapes) goes on the nearest drawn field.
 *
 * @example
 * formProblemsOf([{ code: 'x', pointer: '/nodes/2/config/text', message: 'never closed' }], 2, schema, config);
 * // { errors: { text: { __errors: ['never closed'] } }, general: [] }
 */
export function formProblemsOf(
  problems: readonly FlowProblem[],
  nodeIndex: number,
  schema: JsonSchema | undefined,
  config: Record<string, unknown>,
): { errors: ErrorSchema; general: GeneralProblem[] } {
  const errors: Schema = {};
  const general: GeneralProblem[] = [];
  for (const problem of problems) {
    const path = configPathOf(problem.pointer, nodeIndex) ?? (problem.pointer === `/nodes/${nodeIndex}/config` ? [] : undefined);
    const depth = path === undefined || schema === undefined ? 0 : drawnDepth(schema, config, path);
    if (path === undefined || depth === 0) {
      general.push(path === undefined || path.length === 0 ? { ...problem } : { ...problem, field: path.join('.') });
      continue;
    }
    let at = errors;
    for (const key of path.slice(0, depth)) at = (at[key] ??= {}) as Schema;
    at['__errors'] = [...((at['__errors'] as string[] | undefined) ?? []), problem.message];
  }
  return { errors: errors as ErrorSchema, general };
}

