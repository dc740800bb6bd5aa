import type { JsonSchema } from '@nexusflow/schemas';

type Schema = Record<string, unknown>;
const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `anyOf`/`oneOf` whose branches only list required keys: rules about presence, not shapes to choose from. */
function onlyRequiredBranches(branches: unknown): boolean {
  return Array.isArray(branches) && branches.length > 0 && branches.every((b) => isObject(b) && Object.keys(b).every((k) => k === 'required'));
}

/**
 * The schema the config form is drawn from. The node's own schema still decides what is valid
 * (live validation runs it); this one only makes the form usable:
 *  - `anyOf: [{ required: [a] }, { required: [b] }]` ("a or b") would draw an "Option 1/2" picker
 *    that hides fields; it is dropped, and the problems list says when neither is set;
 *  - an object with no `properties` and no `additionalProperties` (a free map such as `core/set`'s
 *    `vars`) gets text values, so the form offers "Add" for new keys.
 */
export function formSchemaOf(schema: JsonSchema): JsonSchema {
  return adapt(schema, 0) as JsonSchema;
}

const MAX_DEPTH = 12;

function adapt(schema: unknown, depth: number): unknown {
  if (!isObject(schema) || depth > MAX_DEPTH) return schema;
  const out: Schema = { ...schema };
  for (const key of ['anyOf', 'oneOf'] as const) if (onlyRequiredBranches(out[key])) delete out[key];
  if (isObject(out['properties'])) {
    out['properties'] = Object.fromEntries(Object.entries(out['properties']).map(([name, sub]) => [name, adapt(sub, depth + 1)]));
  }
  if (out['items'] !== undefined) out['items'] = adapt(out['items'], depth + 1);
  if (isObject(out['additionalProperties'])) out['additionalProperties'] = adapt(out['additionalProperties'], depth + 1);
  const freeMap = out['type'] === 'object' && out['properties'] === undefined && out['additionalProperties'] === undefined && out['patternProperties'] === undefined;
  if (freeMap) out['additionalProperties'] = { type: 'string' };
  return out;
}
