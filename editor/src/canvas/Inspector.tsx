import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import Form from '@rjsf/core';
import type { IChangeEvent } from '@rjsf/core';
import { createSchemaUtils, type ErrorSchema, type RJSFSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import type { FlowDocument, JsonSchema } from '@nexusflow/schemas';
import type { PaletteEntry } from '../api/types.js';
import { FIELDS, withAnyValueFields } from './AnyValueField.js';
import { pruneUndefined } from './config-defaults.js';
import { formSchemaOf } from './form-schema.js';
import { NodeIcon } from './icons.js';
import { pluginOf } from './ids.js';
import { drawnDepth, formProblemsOf, isObject, type Schema } from './inspector-problems.js';
import { NodeRunSection } from './NodeRunSection.js';
import { TemplateHelp } from './TemplateHelp.js';
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
function InspectorImpl({ node, entry, document, problems, nodeIndex, focus, onConfigChange, onLabelChange, run }: InspectorProps) {
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
  const placed = formProblemsOf(problems, nodeIndex, schema, node.config);
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

/** Memoised: the canvas re-renders on every mouse move while a node is dragged; the form must not. */
export const Inspector = memo(InspectorImpl);

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

