import { memo, useEffect, useMemo, useRef, useState } from 'react';
import Form from '@rjsf/core';
import type { IChangeEvent } from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import type { FlowDocument } from '@nexusflow/schemas';
import type { PaletteEntry } from '../api/types.js';
import { availableVariables } from './available-variables.js';
import { pruneUndefined } from './config-defaults.js';
import { formSchemaOf } from './form-schema.js';
import { NodeIcon } from './icons.js';
import { configPathOf, errorSchemaOf, fieldIdOf, uiSchemaFor } from './ui-schema.js';
import { NodeRunSection } from './NodeRunSection.js';
import type { FlowProblem, NodeRunView } from './types.js';
import './node-inspector.css';

export interface InspectorProps {
  node: { id: string; type: string; config: Record<string, unknown>; label?: string };
  /** The node type's palette entry; undefined when no installed plugin provides the type. */
  entry: PaletteEntry | undefined;
  /** The whole flow, for the variables a template here can read. */
  document: FlowDocument;
  /** This node's problems from live validation (pointers into the document). */
  problems: readonly FlowProblem[];
  nodeIndex: number;
  /** Focus the field of this pointer; a new nonce refocuses the same one. */
  focus?: { pointer: string; nonce: number };
  onConfigChange: (config: Record<string, unknown>) => void;
  onLabelChange: (label: string) => void;
  /** What the node did in the test chat's last turn. */
  run?: NodeRunView | undefined;
}

const pluginOf = (type: string) => type.split('/')[0] ?? type;

/** The settings of the selected node: a form drawn from its config schema, with its problems under the fields. */
function InspectorImpl({ node, entry, document, problems, nodeIndex, focus, onConfigChange, onLabelChange, run }: InspectorProps) {
  const root = useRef<HTMLElement>(null);
  const schema = useMemo(() => (entry === undefined ? undefined : formSchemaOf(entry.config)), [entry]);
  const uiSchema = useMemo(() => (schema === undefined ? undefined : uiSchemaFor(schema)), [schema]);
  const { errors, elsewhere } = useMemo(() => errorSchemaOf(problems, nodeIndex), [problems, nodeIndex]);

  useEffect(() => {
    if (focus === undefined || root.current === null) return;
    const path = configPathOf(focus.pointer, nodeIndex);
    if (path === undefined) return;
    // A problem may sit on an object or array: focus the first control inside it.
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const found = root.current.ownerDocument.getElementById(fieldIdOf(path.slice(0, depth)));
      const element = found !== null && root.current.contains(found) ? found : null;
      const control = element?.matches('input, textarea, select') === true ? element : element?.querySelector<HTMLElement>('input, textarea, select');
      if (control !== null && control !== undefined) {
        control.scrollIntoView?.({ block: 'center' });
        control.focus();
        return;
      }
    }
  }, [focus, nodeIndex]);

  return (
    <aside className="inspector" data-testid="inspector" aria-label="Node settings" ref={root}>
      <header className="inspector-header">
        <span className="inspector-icon">
          <NodeIcon icon={entry?.icon ?? 'box'} size={18} />
        </span>
        <div>
          <h2>{entry?.title ?? node.type}</h2>
          <code>
            {node.id} · {node.type}
          </code>
        </div>
      </header>
      {entry !== undefined && <p className="inspector-description">{entry.description}</p>}
      {run !== undefined && <NodeRunSection run={run} />}
      <label className="inspector-label">
        Label on the canvas
        <input value={node.label ?? ''} placeholder={entry?.title ?? node.type} maxLength={80} onChange={(e) => onLabelChange(e.target.value)} data-testid="inspector-label" />
      </label>
      {elsewhere.length > 0 && (
        <ul className="inspector-problems" role="alert">
          {elsewhere.map((p, i) => (
            <li key={`${p.pointer}-${i}`}>{p.message}</li>
          ))}
        </ul>
      )}
      {entry === undefined || schema === undefined || uiSchema === undefined ? (
        <UnknownType type={node.type} config={node.config} />
      ) : (
        <>
          <Form
            schema={schema}
            uiSchema={uiSchema}
            formData={node.config}
            validator={validator}
            extraErrors={errors}
            showErrorList={false}
            noHtml5Validate
            onChange={(event: IChangeEvent) => onConfigChange(pruneUndefined((event.formData ?? {}) as Record<string, unknown>))}
            className="inspector-form"
          />
          <TemplateHelp document={document} nodeId={node.id} />
        </>
      )}
    </aside>
  );
}

export const Inspector = memo(InspectorImpl);

function UnknownType({ type, config }: { type: string; config: Record<string, unknown> }) {
  return (
    <div className="inspector-unknown" data-testid="inspector-unknown">
      <p>
        No installed plugin provides <code>{type}</code>: the plugin <strong>{pluginOf(type)}</strong> is missing or disabled. Upload or enable it on the
        Plugins page, or replace this node. Its settings are kept as they are:
      </p>
      <pre>{JSON.stringify(config, null, 2)}</pre>
    </div>
  );
}

function TemplateHelp({ document, nodeId }: { document: FlowDocument; nodeId: string }) {
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const variables = useMemo(() => availableVariables(document, nodeId), [document, nodeId]);
  const copy = (expression: string) => {
    const text = `{{ ${expression} }}`;
    void navigator.clipboard
      ?.writeText(text)
      .then(() => setCopied(expression))
      .catch(() => setCopied(undefined));
  };
  return (
    <details className="inspector-help" data-testid="inspector-variables">
      <summary>Templates and variables</summary>
      <p>
        Text settings may hold <code>{'{{ expression }}'}</code> templates, written in JSONata over <code>message</code>, <code>vars</code>,{' '}
        <code>nodes</code> and <code>contact</code>. A setting that is exactly one template keeps the value&apos;s type; <code>{'\\{{'}</code> writes a
        literal <code>{'{{'}</code>.
      </p>
      <ul>
        {variables.map((v) => (
          <li key={v.expression}>
            <button type="button" onClick={() => copy(v.expression)} title="Copy as a template">
              <code>{v.expression}</code>
            </button>
            <span>{copied === v.expression ? 'copied' : v.description}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
