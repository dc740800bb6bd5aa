import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { FlowDocument } from '@nexusflow/schemas';
import corePlugin from '../../../nodes/plugin.json';
import type { PaletteEntry } from '../api/types.js';
import { Inspector } from './NodeInspector.js';
import { uiSchemaFor, errorSchemaOf } from './ui-schema.js';

const manifest = corePlugin as unknown as { nodes: { type: string; title: string; description: string; category: string; icon: string; ports: string[]; config: Record<string, unknown> }[] };
function entryOf(type: string): PaletteEntry {
  const node = manifest.nodes.find((n) => n.type === type)!;
  return { type, plugin: 'core', kind: 'plugin', title: node.title, description: node.description, category: node.category, icon: node.icon, ports: node.ports, dynamicPorts: false, config: node.config, capabilities: [] };
}

const doc: FlowDocument = {
  format: 'nexusflow/flow@1',
  id: 'f',
  name: 'F',
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    { id: 'ask', type: 'core/set', position: { x: 0, y: 0 }, config: { vars: { name: '{{ message.text }}' } } },
    { id: 'say', type: 'core/reply', position: { x: 0, y: 0 }, config: { text: 'Hi' } },
  ],
  edges: [
    { id: 'e1', source: 'start', port: 'out', target: 'ask' },
    { id: 'e2', source: 'ask', port: 'out', target: 'say' },
  ],
};

function renderReply(props: Partial<Parameters<typeof Inspector>[0]> = {}) {
  const onConfigChange = vi.fn();
  const onLabelChange = vi.fn();
  render(
    <Inspector node={doc.nodes[2]!} entry={entryOf('core/reply')} document={doc} problems={[]} nodeIndex={2} onConfigChange={onConfigChange} onLabelChange={onLabelChange} {...props} />,
  );
  return { onConfigChange, onLabelChange, inspector: screen.getByTestId('inspector') };
}

describe('Inspector', () => {
  afterEach(cleanup);

  it('draws the config form of the node type; typing in a field answers the new config', () => {
    const { onConfigChange, inspector } = renderReply();
    const text = within(inspector).getByLabelText(/^text/i);
    expect(text.tagName).toBe('TEXTAREA');
    fireEvent.change(text, { target: { value: 'Hello {{ message.text }}' } });
    expect(onConfigChange).toHaveBeenLastCalledWith({ text: 'Hello {{ message.text }}' });
    expect(within(inspector).queryByText(/option 1/i)).toBeNull();
  });

  it('shows a problem under its field, and other problems above the form', () => {
    const { inspector } = renderReply({
      problems: [
        { code: 'template_unterminated', pointer: '/nodes/2/config/text', message: 'the template is never closed' },
        { code: 'unreachable', pointer: '/nodes/2', message: 'nothing leads here' },
      ],
    });
    const text = within(inspector).getByLabelText(/^text/i);
    expect(text.closest('.form-group, .field')?.textContent).toContain('the template is never closed');
    expect(within(inspector).getByRole('alert').textContent).toContain('nothing leads here');
  });

  it('focuses the field of a picked problem', () => {
    const { inspector } = renderReply({ focus: { pointer: '/nodes/2/config/text', nonce: 1 } });
    expect(document.activeElement).toBe(within(inspector).getByLabelText(/^text/i));
  });

  it('lists what templates here can read, upstream outputs included', () => {
    const { inspector } = renderReply();
    const help = within(inspector).getByTestId('inspector-variables');
    expect(help.textContent).toContain('vars.name');
    expect(help.textContent).toContain('nodes.ask.output');
    expect(help.textContent).toContain('nodes.start.output');
  });

  it('says which plugin is missing for an unknown type and keeps its settings', () => {
    render(<Inspector node={{ id: 'odd', type: 'acme/mood', config: { level: 3 } }} entry={undefined} document={doc} problems={[]} nodeIndex={3} onConfigChange={vi.fn()} onLabelChange={vi.fn()} />);
    const unknown = screen.getByTestId('inspector-unknown');
    expect(unknown.textContent).toMatch(/plugin acme is missing/);
    expect(unknown.textContent).toContain('"level": 3');
  });

  it('edits the label shown on the canvas', () => {
    const { onLabelChange, inspector } = renderReply();
    fireEvent.change(within(inspector).getByTestId('inspector-label'), { target: { value: 'Greeting' } });
    expect(onLabelChange).toHaveBeenCalledWith('Greeting');
  });
});

describe('uiSchemaFor and errorSchemaOf', () => {
  it('draws long texts as text areas, nested and in arrays too', () => {
    expect(
      uiSchemaFor({
        type: 'object',
        properties: { system: { type: 'string' }, model: { type: 'string' }, steps: { type: 'array', items: { type: 'object', properties: { body: { type: 'string' } } } }, note: { type: 'string', maxLength: 2000 }, url: { type: 'string', maxLength: 2048 } },
      }),
    ).toEqual({
      'ui:submitButtonOptions': { norender: true },
      system: { 'ui:widget': 'textarea', 'ui:options': { rows: 3 } },
      steps: { items: { body: { 'ui:widget': 'textarea', 'ui:options': { rows: 3 } } } },
      note: { 'ui:widget': 'textarea', 'ui:options': { rows: 3 } },
    });
  });

  it('nests problems by config path and keeps the rest apart', () => {
    const { errors, elsewhere } = errorSchemaOf(
      [
        { code: 'a', pointer: '/nodes/1/config/media/url', message: 'no url' },
        { code: 'b', pointer: '/nodes/1/config/a~1b', message: 'escaped' },
        { code: 'c', pointer: '/nodes/1/type', message: 'unknown' },
      ],
      1,
    );
    expect(errors).toEqual({ media: { url: { __errors: ['no url'] } }, 'a/b': { __errors: ['escaped'] } });
    expect(elsewhere.map((p) => p.code)).toEqual(['c']);
  });
});
