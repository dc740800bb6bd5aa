import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import Form from '@rjsf/core';
import type { IChangeEvent } from '@rjsf/core';
import { createSchemaUtils, type ErrorSchema, type FieldProps, type RegistryFieldsType, type RJSFSchema, type UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import type { FlowDocument, JsonSchema } from '@nexusflow/schemas';
import type { PaletteEntry } from '../api/types.js';
import { availableVariables } from './available-variables.js';
import { pruneUndefined } from './config-defaults.js';
import { formSchemaOf } from './form-schema.js';
import { NodeIcon } from './icons.js';
import { NodeRunSection } from './NodeRunSection.js';
import type { FlowProblem, NodeRunView } from './types.js';
import { configPathOf, uiSchemaFor } from './ui-schema.js';
import './inspector.css';

export interface InspectorProps {
  node: { id: string; type: string; config: Record<string, unknown>; label?: string };
  /** The node type's palette entry; undefined for a type no installed plugin provides. */
  entry: PaletteEntry | undefined;
  /** The flow, to list the variables available at this node. */
  document: FlowDocument;
  /** Problems of this node from live validation, pointers absolute into the document (`/nodes/3/config/text`). */
  problems: readonly FlowProblem[];
  /** The index of the node in `document.nodes`, to relate pointers to fields. */
  nodeIndex: number;
  /** Focus and scroll to the field of this pointer; a new nonce refocuses the same one. */
  focus?: { pointer: string; nonce: number } | undefined;
  onConfigChange(config: Record<string, unknown>): void;
  /** When given, the inspector also edits the node's label on the canvas. */
  onLabelChange?: ((label: string) => void) | undefined;
  /** What the node did in the test chat's last turn. */
  run?: NodeRunView | undefined;
}

/** Prefix of the form's element ids: rjsf's default `root` would clash with the app's `<div id="root">`. */
const FIELD_ID_PREFIX = 'node-config';
const FIELD_ID_SEPARATOR = '_';

/** The id rjsf gives the field at a config path (`node-config_media_url` for `['media', 'url']`). */
function configFieldId(path: readonly string[]): string {
  return [FIELD_ID_PREFIX, ...path].join(FIELD_ID_SEPARATOR);
}

/** The plugin a node type belongs to: the part before `/` (`acme` for `acme/mood`). */
export function pluginOf(type: string): string {
  const slash = type.indexOf('/');
  return slash === -1 ? type : type.slice(0, slash);
}

/** A problem the form cannot show under a field, with the config path it is about, if any. */
export interface GeneralProblem extends FlowProblem {
  /** `media.url` for `/nodes/3/config/media/url`; undefined when the problem is not about the config. */
  field?: string;
}

type Schema = Record<string, unknown>;
const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

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
 * placeProblems([{ code: 'x', pointer: '/nodes/2/config/text', message: 'never closed' }], 2, schema, config);
 * // { errors: { text: { __errors: ['never closed'] } }, general: [] }
 */
export function placeProblems(
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

const ANY_VALUE_FIELD = 'anyValue';

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

const FIELDS: RegistryFieldsType = { [ANY_VALUE_FIELD]: AnyValueField };

/** True when the schema draws at least one field (engine types such as `core/wait` have none). */
function hasFields(schema: JsonSchema): boolean {
  const properties = (schema as Schema)['properties'];
  const extra = (schema as Schema)['additionalProperties'];
  return (isObject(properties) && Object.keys(properties).length > 0) || isObject(extra) || extra === true || (schema as Schema)['type'] !== 'object';
}

/** The first control of the field at `path`, or of the nearest field around it (never the whole form). */
function controlFor(container: HTMLElement, path: readonly string[]): HTMLElement | undefined {
  for (let depth = path.length; depth >= 1; depth -= 1) {
    const id = configFieldId(path.slice(0, depth));
    const element = container.querySelector<HTMLElement>(`[id="${id.replace(/["\\]/g, '\\$&')}"]`);
    if (element === null) continue;
    const control = element.matches('input, textarea, select') ? element : element.querySelector<HTMLElement>('input, textarea, select');
    if (control !== null) return control;
  }
  return undefined;
}

/**
 * The settings of the selected node: a form drawn from its config schema (@rjsf), with its problems
 * under the fields, the variables a template here can read, and a placeholder for unknown types.
 */
export function Inspector({ node, entry, document, problems, nodeIndex, focus, onConfigChange, onLabelChange, run }: InspectorProps) {
  const formArea = useRef<HTMLDivElement>(null);
  const generalList = useRef<HTMLUListElement>(null);
  const schema = useMemo(() => (entry === undefined ? undefined : formSchemaOf(entry.config)), [entry]);
  const uiSchema = useMemo(() => (schema === undefined ? undefined : withAnyValueFields(schema, uiSchemaFor(schema))), [schema]);
  const schemaUtils = useMemo(() => (schema === undefined ? undefined : createSchemaUtils(validator, schema as RJSFSchema)), [schema]);
  // The config with its schema defaults, as the form shows it. Handing rjsf exactly what it would
  // derive keeps it from reporting the defaults as a change, which would edit the flow (and drop the
  // redo stack) just because a node was selected or an undo restored a config without them.
  const formData = useMemo(
    () => (schemaUtils === undefined || schema === undefined ? node.config : ((schemaUtils.getDefaultFormState(schema as RJSFSchema, node.config) ?? {}) as Record<string, unknown>)),
    [schemaUtils, schema, node.config],
  );
  const placed = placeProblems(problems, nodeIndex, schema, node.config);
  // Live validation hands new arrays on every edit; rjsf re-merges `extraErrors` whenever their
  // identity changes, so they keep it while their content stays the same.
  const errorsKey = JSON.stringify(placed.errors);
  const errors = useMemo(() => JSON.parse(errorsKey) as ErrorSchema, [errorsKey]);

  // The latest props for callbacks and effects that must not re-run on every keystroke.
  const latest = useRef({ config: node.config, formData, schema, nodeIndex });
  latest.current = { config: node.config, formData, schema, nodeIndex };

  const onChange = useCallback(
    (event: IChangeEvent) => {
      const next = pruneUndefined((event.formData ?? {}) as Record<string, unknown>);
      // rjsf may answer the data it was given: not an edit.
      if (JSON.stringify(next) !== JSON.stringify(pruneUndefined(latest.current.formData))) onConfigChange(next);
    },
    [onConfigChange],
  );

  // Runs only when a problem is picked (a new nonce), never while typing.
  useEffect(() => {
    if (focus === undefined) return;
    const { config, schema: drawn, nodeIndex: index } = latest.current;
    // A pick left over from another node is not about this one.
    const here = `/nodes/${index}`;
    if (focus.pointer !== here && !focus.pointer.startsWith(`${here}/`)) return;
    const path = configPathOf(focus.pointer, index);
    const depth = path === undefined || drawn === undefined ? 0 : drawnDepth(drawn, config, path);
    const control = depth === 0 || path === undefined || formArea.current === null ? undefined : controlFor(formArea.current, path.slice(0, depth));
    const target = control ?? generalList.current ?? undefined;
    target?.scrollIntoView?.({ block: 'center' });
    target?.focus();
  }, [focus]);

  return (
    <aside className="inspector" data-testid="inspector" aria-label="Node settings">
      <header className="inspector-header">
        <span className="inspector-icon" aria-hidden="true">
          <NodeIcon icon={entry?.icon ?? 'puzzle'} size={18} />
        </span>
        <div className="inspector-heading">
          <h2>{entry?.title ?? 'Unknown node type'}</h2>
          <p className="inspector-identity">
            <code title="Node id">{node.id}</code>
            <code title="Node type">{node.type}</code>
          </p>
        </div>
      </header>
      {entry !== undefined && entry.description !== '' && <p className="inspector-description">{entry.description}</p>}
      {run !== undefined && <NodeRunSection run={run} />}
      {onLabelChange !== undefined && (
        <label className="inspector-label">
          <span>Label on the canvas</span>
          <input value={node.label ?? ''} placeholder={entry?.title ?? node.type} maxLength={200} onChange={(e) => onLabelChange(e.target.value)} data-testid="inspector-label" />
        </label>
      )}
      {placed.general.length > 0 && (
        <ul className="inspector-problems" aria-label="Problems of this node" data-testid="inspector-problems" tabIndex={-1} ref={generalList}>
          {placed.general.map((p, i) => (
            <li key={`${p.pointer}-${i}`}>
              {p.field !== undefined && <code>{p.field}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
      {entry === undefined || schema === undefined || uiSchema === undefined ? (
        <UnknownType type={node.type} config={node.config} />
      ) : (
        <div className="inspector-form-area" ref={formArea}>
          {hasFields(schema) ? (
            <Form
              key={node.id}
              className="inspector-form"
              schema={schema}
              uiSchema={uiSchema}
              formData={formData}
              validator={validator}
              fields={FIELDS}
              idPrefix={FIELD_ID_PREFIX}
              idSeparator={FIELD_ID_SEPARATOR}
              extraErrors={errors}
              showErrorList={false}
              liveValidate={false}
              noHtml5Validate
              onChange={onChange}
            />
          ) : (
            <p className="inspector-empty">This node has no settings.</p>
          )}
          <TemplateHelp document={document} nodeId={node.id} />
        </div>
      )}
    </aside>
  );
}

function UnknownType({ type, config }: { type: string; config: Record<string, unknown> }) {
  const plugin = pluginOf(type);
  return (
    <section className="inspector-unknown" data-testid="inspector-unknown" aria-label="Unknown node type">
      <h3>
        Plugin <code>{plugin}</code> is missing
      </h3>
      <p>
        No installed plugin provides <code>{type}</code>: the plugin <strong>{plugin}</strong> is not installed, is disabled, or its version has no such node. This
        node cannot run until that is fixed.
      </p>
      <p>
        To fix it, install or upload the plugin <strong>{plugin}</strong> on the Plugins page, or replace this node with one the palette offers. Its settings
        are kept as they are:
      </p>
      <pre aria-label="Settings (read only)" tabIndex={0}>
        {JSON.stringify(config, null, 2)}
      </pre>
    </section>
  );
}

const templateOf = (expression: string) => `{{ ${expression} }}`;

/** How templates work, and what one at this node can read; a click copies a variable as a template. */
function TemplateHelp({ document, nodeId }: { document: FlowDocument; nodeId: string }) {
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState('');
  // The list is collapsed by default: work it out only while someone looks at it.
  const variables = useMemo(() => (open ? availableVariables(document, nodeId) : []), [open, document, nodeId]);

  const copy = (expression: string, shown: HTMLElement) => {
    const text = templateOf(expression);
    // Without the Clipboard API (plain http, older browsers) the text is selected for Ctrl/⌘ C.
    const select = () => {
      const selection = window.getSelection();
      selection?.selectAllChildren(shown);
      setStatus(`Selected ${text}: press Ctrl+C (⌘C) to copy it`);
    };
    const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
    if (clipboard?.writeText === undefined) return select();
    clipboard.writeText(text).then(() => setStatus(`Copied ${text}`), select);
  };

  return (
    <section className="inspector-templates" aria-label="Templates">
      <p className="inspector-hint">
        Text settings may hold <code>{'{{ expression }}'}</code> templates: JSONata over <code>message</code>, <code>vars</code>, <code>nodes</code> and{' '}
        <code>contact</code>. A setting that is exactly one template keeps the value&apos;s type (a number stays a number); <code>{'\\{{'}</code> writes a
        literal <code>{'{{'}</code>.
      </p>
      <details className="inspector-variables" data-testid="inspector-variables" onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>Variables</summary>
        {open && (
          <>
            <p className="inspector-variables-note">What a template here can read. Click one to copy it.</p>
            <ul>
              {variables.map((v) => (
                <li key={v.expression}>
                  <button type="button" onClick={(e) => copy(v.expression, e.currentTarget.querySelector('code') ?? e.currentTarget)} title={`Copy ${templateOf(v.expression)}`}>
                    <code>{templateOf(v.expression)}</code>
                  </button>
                  <span>{v.description}</span>
                </li>
              ))}
            </ul>
          </>
        )}
        <p className="inspector-copy-status" role="status">
          {status}
        </p>
      </details>
    </section>
  );
}
