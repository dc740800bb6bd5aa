import { useMemo, useState } from 'react';
import type { FlowDocument } from '@nexusflow/schemas';
import { availableVariables } from './available-variables.js';

const templateOf = (expression: string) => `{{ ${expression} }}`;

/** How templates work, and what one at this node can read; a click copies a variable as a template. */
export function TemplateHelp({ document, nodeId }: { document: FlowDocument; nodeId: string }) {
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
