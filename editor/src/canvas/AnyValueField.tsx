import { useState } from 'react';
import type { FieldProps, RegistryFieldsType, UiSchema } from '@rjsf/utils';
import type { JsonSchema } from '@nexusflow/schemas';
import { isObject, type Schema } from './inspector-problems.js';

/** A property that may hold any JSON value (`{}` or only a title): rjsf has no field for it. */
function isAnyValue(schema: unknown): boolean {
  const shaping = ['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref', 'properties', 'items', 'additionalProperties'];
  return isObject(schema) && shaping.every((key) => schema[key] === undefined);
}

/**
 * Adds the any-value field (JSON or text) to a uiSchema for every property that may hold any JSON
 * value, such as `core/http`'s `json` body and `core/code`'s `input`, which rjsf would otherwise
 * draw as "Unsupported field schema".
 */
export function withAnyValueFields(schema: JsonSchema, ui: UiSchema, depth = 0): UiSchema {
  const properties = (schema as Schema)['properties'];
  if (!isObject(properties) || depth > 12) return ui;
  const out: UiSchema = { ...ui };
  for (const [name, sub] of Object.entries(properties)) {
    const own = isObject(out[name]) ? (out[name] as UiSchema) : {};
    if (isAnyValue(sub)) out[name] = { ...own, 'ui:field': ANY_VALUE_FIELD };
    else if (isObject(sub) && isObject(sub['properties'])) {
      const nested = withAnyValueFields(sub, own, depth + 1);
      if (Object.keys(nested).length > 0) out[name] = nested;
    }
  }
  return out;
}

export const ANY_VALUE_FIELD = 'anyValue';

/** How an any-value field shows its value: text as it is, anything else as JSON. */
export function anyValueText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** What an any-value field holds for its text: a JSON object or array when the text is one, otherwise the text (templates included). */
export function anyValueOf(text: string): unknown {
  if (text.trim() === '') return undefined;
  const start = text.trimStart();
  if ((start.startsWith('{') && !start.startsWith('{{')) || start.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON (yet): kept as text while it is being typed.
    }
  }
  return text;
}

/** An editor for a value of any JSON type, for properties whose schema does not say which. */
function AnyValueField({ formData, onChange, fieldPathId, disabled, readonly, rawErrors, schema, name, required }: FieldProps) {
  // The text as typed, with the value it stands for; a different value from elsewhere (undo, another
  // edit) replaces it, as React's "adjusting state when a prop changes" pattern does.
  const [shown, setShown] = useState(() => ({ text: anyValueText(formData), value: formData as unknown }));
  if (JSON.stringify(shown.value) !== JSON.stringify(formData)) setShown({ text: anyValueText(formData), value: formData });
  const id = fieldPathId.$id;
  // rjsf draws no label or description around a custom field: it draws its own, as rjsf's would look.
  const title = typeof schema.title === 'string' ? schema.title : name;
  return (
    <>
      <label className="control-label" htmlFor={id}>
        {title}
        {required === true && <span className="required">*</span>}
      </label>
      {typeof schema.description === 'string' && (
        <div className="field-description" id={`${id}__description`}>
          {schema.description}
        </div>
      )}
      <textarea
        id={id}
        className="form-control"
        rows={4}
        value={shown.text}
        disabled={disabled}
        readOnly={readonly}
        aria-invalid={rawErrors !== undefined && rawErrors.length > 0}
        aria-describedby={`${id}__description ${id}__error ${id}__anyvalue`}
        onChange={(event) => {
          const value = anyValueOf(event.target.value);
          setShown({ text: event.target.value, value });
          onChange(value, fieldPathId.path, undefined, id);
        }}
      />
      <p className="help-block" id={`${id}__anyvalue`}>
        A JSON object or array, or text (templates allowed).
      </p>
    </>
  );
}

export const FIELDS: RegistryFieldsType = { [ANY_VALUE_FIELD]: AnyValueField };

