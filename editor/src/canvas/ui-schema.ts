import type { UiSchema } from '@rjsf/utils';
import type { JsonSchema } from '@nexusflow/schemas';

type Schema = Record<string, unknown>;
const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Property names whose text is usually long: prompts, messages, code. */
const LONG_TEXT_NAMES = new Set(['text', 'system', 'prompt', 'code', 'body', 'template', 'instructions', 'description']);
const LONG_TEXT_LENGTH = 200;
/** Long but single-line values: addresses and names. */
const SINGLE_LINE_NAMES = /url|uri|href|email|host|model|name|key|id$/i;
const MAX_DEPTH = 12;

function isLongText(name: string, schema: Schema): boolean {
  if (schema['type'] !== 'string' || Array.isArray(schema['enum'])) return false;
  if (schema['format'] === 'uri' || schema['format'] === 'email') return false;
  const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
  if (LONG_TEXT_NAMES.has(name) || schema['x-multiline'] === true || schema['format'] === 'textarea') return true;
  return maxLength > LONG_TEXT_LENGTH && maxLength !== Infinity && !SINGLE_LINE_NAMES.test(name);
}

/**
 * How the config form draws a schema: long texts as text areas (templates and prompts need room),
 * no submit button (every change applies at once).
 *
 * @example
 * uiSchemaFor({ type: 'object', properties: { text: { type: 'string' } } });
 * // { 'ui:submitButtonOptions': { norender: true }, text: { 'ui:widget': 'textarea' } }
 */
export function uiSchemaFor(schema: JsonSchema): UiSchema {
  return { 'ui:submitButtonOptions': { norender: true }, ...uiOf(schema, 0) };
}

function uiOf(schema: unknown, depth: number): UiSchema {
  if (!isObject(schema) || depth > MAX_DEPTH) return {};
  const ui: UiSchema = {};
  if (isObject(schema['properties'])) {
    for (const [name, sub] of Object.entries(schema['properties'])) {
      if (!isObject(sub)) continue;
      if (isLongText(name, sub)) ui[name] = { 'ui:widget': 'textarea', 'ui:options': { rows: name === 'code' ? 10 : 3 } };
      else {
        const nested = uiOf(sub, depth + 1);
        if (Object.keys(nested).length > 0) ui[name] = nested;
      }
    }
  }
  if (isObject(schema['items'])) {
    const items = uiOf(schema['items'], depth + 1);
    if (Object.keys(items).length > 0) ui['items'] = items;
  }
  return ui;
}

const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** The config path of a problem (`['media', 'url']` for `/nodes/3/config/media/url`), or undefined when it is not about a config field. */
export function configPathOf(pointer: string, nodeIndex: number): string[] | undefined {
  const prefix = `/nodes/${nodeIndex}/config/`;
  if (!pointer.startsWith(prefix)) return undefined;
  return pointer.slice(prefix.length).split('/').map(unescape);
}
