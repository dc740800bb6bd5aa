import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { FlowDocument, JsonSchema } from '@nexusflow/schemas';
import corePlugin from '../../../nodes/plugin.json';
import type { PaletteEntry } from '../api/types.js';
import { Inspector, type InspectorProps } from './Inspector.js';
import { pluginOf } from './ids.js';
import { anyValueOf, anyValueText, withAnyValueFields } from './AnyValueField.js';
import { drawnDepth, formProblemsOf } from './inspector-problems.js';
import { uiSchemaFor } from './ui-schema.js';

// The real manifest of the built-in plugin: the forms under test are the ones people see.
const manifest = corePlugin as unknown as { nodes: { type: string; title: string; description: string; category: string; icon: string; ports: string[]; config: JsonSchema }[] };
function entryOf(type: string): PaletteEntry {
  const node = manifest.nodes.find((n) => n.type === type);
  if (node === undefined) throw new Error(`the core manifest has no ${type}`);
  return { type, plugin: 'core', kind: 'plugin', title: node.title, description: node.description, category: node.category, icon: node.icon, ports: node.ports, dynamicPorts: false, config: node.config, capabilities: [] };
}
const configOf = (type: string) => entryOf(type).config;

const doc: FlowDocument = {
  format: 'nexusflow/flow@1',
  id: 'f',
  name: 'F',
  variables: { persona: 'kind' },
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    { id: 'ask', type: 'core/set', position: { x: 0, y: 0 }, config: { vars: { name: '{{ message.text }}' } } },
    { id: 'say', type: 'core/reply', position: { x: 0, y: 0 }, config: { text: 'Hi' } },
    { id: 'answer', type: 'core/llm', position: { x: 0, y: 0 }, config: { model: 'gpt-4o-mini' } },
    { id: 'aside', type: 'core/reply', position: { x: 0, y: 0 }, config: { text: 'unused' } },
  ],
  edges: [
    { id: 'e1', source: 'start', port: 'out', target: 'ask' },
    { id: 'e2', source: 'ask', port: 'out', target: 'say' },
    { id: 'e3', source: 'say', port: 'out', target: 'answer' },
  ],
};

/** Renders the inspector of `doc.nodes[nodeIndex]` with its real palette entry. */
function renderNode(nodeIndex: number, props: Partial<InspectorProps> = {}) {
  const node = doc.nodes[nodeIndex]!;
  const onConfigChange = vi.fn<(config: Record<string, unknown>) => void>();
  const all: InspectorProps = { node, entry: entryOf(node.type), document: doc, problems: [], nodeIndex, onConfigChange, ...props };
  const view = render(<Inspector {...all} />);
  const rerender = (next: Partial<InspectorProps>) => view.rerender(<Inspector {...all} {...next} />);
  return { onConfigChange, inspector: screen.getByTestId('inspector'), rerender };
}
const SAY = 2;
const ANSWER = 3;

/** The form group (label, control, description, errors) a control sits in. */
const groupOf = (control: HTMLElement) => control.closest('.form-group') as HTMLElement;

describe('Inspector', () => {
  afterEach(cleanup);

  it('shows the title, description, id and type of the node', () => {
    const { inspector } = renderNode(SAY);
    expect(screen.getByRole('complementary', { name: 'Node settings' })).toBe(inspector);
    expect(within(inspector).getByRole('heading', { level: 2 }).textContent).toBe(entryOf('core/reply').title);
    expect(inspector.textContent).toContain(entryOf('core/reply').description);
    expect(within(inspector).getByTitle('Node id').textContent).toBe('say');
    expect(within(inspector).getByTitle('Node type').textContent).toBe('core/reply');
  });

  it('answers the new config when someone types in the text field, which is a labelled text area', () => {
    const { onConfigChange, inspector } = renderNode(SAY);
    const text = within(inspector).getByLabelText(/text/i);
    expect(text.tagName).toBe('TEXTAREA');
    expect((text as HTMLTextAreaElement).value).toBe('Hi');
    fireEvent.change(text, { target: { value: 'Hello {{ message.text }}' } });
    expect(onConfigChange).toHaveBeenLastCalledWith({ text: 'Hello {{ message.text }}' });
  });

  it('drops a cleared field from the config instead of keeping it as undefined', () => {
    const { onConfigChange, inspector } = renderNode(SAY);
    fireEvent.change(within(inspector).getByLabelText(/text/i), { target: { value: '' } });
    expect(onConfigChange).toHaveBeenCalledTimes(1);
    const config = onConfigChange.mock.calls[0]![0];
    expect(config).toEqual({});
    expect('text' in config).toBe(false);
  });

  it('keeps the same form while the config and problems change, so typing never loses focus', () => {
    const { inspector, rerender } = renderNode(SAY);
    const text = within(inspector).getByLabelText(/text/i);
    text.focus();
    rerender({ node: { ...doc.nodes[SAY]!, config: { text: 'Hi {{' } }, problems: [{ code: 'template_unterminated', pointer: '/nodes/2/config/text', message: 'the template is never closed' }] });
    expect(within(inspector).getByLabelText(/text/i)).toBe(text);
    expect(document.activeElement).toBe(text);
    expect((text as HTMLTextAreaElement).value).toBe('Hi {{');
    expect(groupOf(text).textContent).toContain('the template is never closed');
  });

  it('labels fields by their title, or by their property name when the schema has none', () => {
    const entry = { ...entryOf('core/reply'), config: { type: 'object', properties: { text: { type: 'string' }, count: { type: 'integer' } } } };
    const { inspector } = renderNode(SAY, { entry });
    expect(within(inspector).getByLabelText('text').tagName).toBe('TEXTAREA');
    expect(within(inspector).getByLabelText('count').getAttribute('type')).toBe('number');
    cleanup();
    const llm = renderNode(ANSWER).inspector;
    expect(within(llm).getByLabelText(/system prompt/i).tagName).toBe('TEXTAREA');
    expect(within(llm).getByLabelText(/^model/i).tagName).toBe('INPUT');
  });

  it("shows a field's schema description as its help, tied to the control", () => {
    const { inspector } = renderNode(ANSWER);
    const provider = within(inspector).getByLabelText(/provider connection/i);
    const help = within(inspector).getByText(/the name of an OpenAI-compatible connection/);
    expect(help.id).not.toBe('');
    expect(provider.getAttribute('aria-describedby')?.split(' ')).toContain(help.id);
  });

  it('reports no change when a node whose config lacks defaults is merely opened, and writes them with the first edit', () => {
    const { onConfigChange, inspector } = renderNode(ANSWER);
    expect((within(inspector).getByLabelText(/provider connection/i) as HTMLInputElement).value).toBe('openai');
    expect(onConfigChange).not.toHaveBeenCalled();
    fireEvent.change(within(inspector).getByLabelText(/^model/i), { target: { value: 'gpt-4o' } });
    expect(onConfigChange).toHaveBeenLastCalledWith({ provider: 'openai', model: 'gpt-4o', maxTokens: 1024, stream: false });
  });

  it('edits a setting of any JSON type as JSON or text, where rjsf has no field for it', () => {
    const node = { id: 'fetch', type: 'core/http', config: { url: 'https://api.example.com', allowedHosts: ['api.example.com'], json: { a: 1 } } };
    const { onConfigChange, inspector } = renderNode(SAY, { node, entry: entryOf('core/http') });
    expect(inspector.textContent).not.toMatch(/unsupported field/i);
    const body = within(inspector).getByLabelText(/json body/i) as HTMLTextAreaElement;
    expect(body.value).toBe('{\n  "a": 1\n}');
    expect(groupOf(body).textContent).toContain('Sent as JSON with content-type application/json');
    fireEvent.change(body, { target: { value: '{ "order": {{ vars.id }} }' } });
    expect(onConfigChange.mock.lastCall?.[0]['json']).toBe('{ "order": {{ vars.id }} }');
    fireEvent.change(body, { target: { value: '[1, 2]' } });
    expect(onConfigChange.mock.lastCall?.[0]['json']).toEqual([1, 2]);
    expect(body.value).toBe('[1, 2]');
    fireEvent.change(body, { target: { value: '' } });
    expect('json' in onConfigChange.mock.lastCall![0]).toBe(false);
  });

  it('has no submit button: every change applies at once', () => {
    const { inspector } = renderNode(SAY);
    expect(within(inspector).queryByRole('button', { name: /submit/i })).toBeNull();
    expect(inspector.querySelector('[type="submit"]')).toBeNull();
  });

  it('shows a problem under its field and the others in a list above the form', () => {
    const { inspector } = renderNode(SAY, {
      problems: [
        { code: 'template_unterminated', pointer: '/nodes/2/config/text', message: 'the template is never closed' },
        { code: 'unreachable', pointer: '/nodes/2', message: 'nothing leads here' },
        { code: 'config_invalid', pointer: '/nodes/2/config/bogus', message: 'unknown property "bogus"' },
      ],
    });
    const text = within(inspector).getByLabelText(/text/i);
    expect(groupOf(text).textContent).toContain('the template is never closed');
    expect(groupOf(text).className).toContain('has-error');
    const list = within(inspector).getByRole('list', { name: 'Problems of this node' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent?.trim())).toEqual(['nothing leads here', 'bogus unknown property "bogus"']);
    expect(list.textContent).not.toContain('never closed');
  });

  it('shows a problem inside an array item under that item’s field', () => {
    const node = { id: 'say', type: 'core/reply', config: { text: 'Pick', buttons: [{ title: 'Yes' }, { title: '' }] } };
    const { inspector } = renderNode(SAY, { node, problems: [{ code: 'config_invalid', pointer: '/nodes/2/config/buttons/1/title', message: 'must not be empty' }] });
    const titles = within(inspector).getAllByLabelText(/^title/i);
    expect(titles).toHaveLength(2);
    expect(groupOf(titles[1]!).textContent).toContain('must not be empty');
    expect(groupOf(titles[0]!).textContent).not.toContain('must not be empty');
  });

  it('focuses the field of a picked problem, and again when the same problem is picked twice', () => {
    const { inspector, rerender } = renderNode(SAY, { focus: { pointer: '/nodes/2/config/text', nonce: 1 } });
    const text = within(inspector).getByLabelText(/text/i);
    expect(document.activeElement).toBe(text);
    text.blur();
    rerender({ focus: { pointer: '/nodes/2/config/text', nonce: 2 } });
    expect(document.activeElement).toBe(text);
  });

  it('focuses the problem list for a problem that is not about a drawn field, and ignores picks for other nodes', () => {
    const problems = [{ code: 'unreachable', pointer: '/nodes/2', message: 'nothing leads here' }];
    const { inspector, rerender } = renderNode(SAY, { problems, focus: { pointer: '/nodes/4/config/text', nonce: 1 } });
    expect(document.activeElement).toBe(document.body);
    rerender({ focus: { pointer: '/nodes/2', nonce: 2 } });
    expect(document.activeElement).toBe(within(inspector).getByRole('list', { name: 'Problems of this node' }));
  });

  it('says which plugin an unknown type needs, how to fix it, and shows its config read-only', () => {
    render(<Inspector node={{ id: 'odd', type: 'acme/mood', config: { level: 3 } }} entry={undefined} document={doc} problems={[]} nodeIndex={5} onConfigChange={vi.fn()} />);
    const unknown = screen.getByTestId('inspector-unknown');
    expect(unknown.textContent).toContain('Plugin acme is missing');
    expect(unknown.textContent).toMatch(/Plugins page/);
    expect(unknown.textContent).toMatch(/replace this node/);
    expect(within(unknown).getByLabelText('Settings (read only)').textContent).toBe(JSON.stringify({ level: 3 }, null, 2));
    expect(screen.getByTestId('inspector').querySelector('form, input, textarea')).toBeNull();
  });

  it('names the plugin of a core type the installed core plugin lacks', () => {
    render(<Inspector node={{ id: 'x', type: 'core/nope', config: {} }} entry={undefined} document={doc} problems={[]} nodeIndex={5} onConfigChange={vi.fn()} />);
    expect(screen.getByTestId('inspector-unknown').textContent).toContain('Plugin core is missing');
  });

  it('says so when a node type has no settings', () => {
    const entry: PaletteEntry = { ...entryOf('core/reply'), type: 'core/wait', kind: 'native', config: { type: 'object', additionalProperties: false, properties: {} } };
    const node = { id: 'next', type: 'core/wait', config: {} };
    const { inspector } = renderNode(SAY, { node, entry });
    expect(inspector.textContent).toContain('This node has no settings.');
    expect(inspector.querySelector('form')).toBeNull();
  });

  it('explains templates and keeps the variables behind a closed disclosure', () => {
    const { inspector } = renderNode(SAY);
    expect(inspector.textContent).toMatch(/JSONata over message, vars, nodes and contact/);
    expect(inspector.textContent).toContain('\\{{');
    const variables = within(inspector).getByTestId('inspector-variables') as HTMLDetailsElement;
    expect(variables.tagName).toBe('DETAILS');
    expect(variables.open).toBe(false);
    expect(within(variables).getByText('Variables').tagName).toBe('SUMMARY');
  });

  it('lists the variables a template here can read, upstream node outputs included', () => {
    const { inspector } = renderNode(ANSWER);
    const variables = openVariables(inspector);
    const listed = within(variables).getAllByRole('button').map((b) => b.textContent);
    expect(listed).toContain('{{ message.text }}');
    expect(listed).toContain('{{ contact.id }}');
    expect(listed).toContain('{{ vars.persona }}');
    expect(listed).toContain('{{ vars.name }}');
    expect(listed).toContain('{{ nodes.say.output }}');
    expect(listed).toContain('{{ nodes.ask.output }}');
    expect(listed).not.toContain('{{ nodes.aside.output }}');
    expect(listed).not.toContain('{{ nodes.answer.output }}');
  });

  it('copies a variable as a template with the Clipboard API', async () => {
    const written: string[] = [];
    const clipboard = { writeText: async (text: string) => void written.push(text) };
    Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true });
    try {
      const variables = openVariables(renderNode(ANSWER).inspector);
      await act(async () => fireEvent.click(within(variables).getByRole('button', { name: '{{ nodes.say.output }}' })));
      expect(written).toEqual(['{{ nodes.say.output }}']);
      expect(within(variables).getByRole('status').textContent).toBe('Copied {{ nodes.say.output }}');
    } finally {
      Reflect.deleteProperty(navigator, 'clipboard');
    }
  });

  it('selects the template for Ctrl+C where the Clipboard API is missing', () => {
    expect(navigator.clipboard).toBeUndefined();
    const variables = openVariables(renderNode(ANSWER).inspector);
    fireEvent.click(within(variables).getByRole('button', { name: '{{ vars.persona }}' }));
    expect(window.getSelection()?.toString()).toBe('{{ vars.persona }}');
    expect(within(variables).getByRole('status').textContent).toMatch(/^Selected \{\{ vars\.persona \}\}: press Ctrl\+C/);
  });

  it('edits the label on the canvas only when asked to', () => {
    const onLabelChange = vi.fn();
    const { inspector } = renderNode(SAY, { onLabelChange });
    fireEvent.change(within(inspector).getByLabelText('Label on the canvas'), { target: { value: 'Greeting' } });
    expect(onLabelChange).toHaveBeenCalledWith('Greeting');
    cleanup();
    expect(within(renderNode(SAY).inspector).queryByLabelText('Label on the canvas')).toBeNull();
  });
});

/** Opens the "Variables" disclosure as a click on its summary would. */
function openVariables(inspector: HTMLElement): HTMLElement {
  const variables = within(inspector).getByTestId('inspector-variables') as HTMLDetailsElement;
  act(() => {
    variables.open = true;
    variables.dispatchEvent(new Event('toggle'));
  });
  return variables;
}

describe('uiSchemaFor', () => {
  const textarea = (rows = 3) => ({ 'ui:widget': 'textarea', 'ui:options': { rows } });

  it('hides the submit button: changes apply as they are made', () => {
    expect(uiSchemaFor({ type: 'object', properties: {} })).toEqual({ 'ui:submitButtonOptions': { norender: true } });
  });

  it('draws strings named like prompts, messages and code as text areas', () => {
    const string = { type: 'string' };
    expect(uiSchemaFor({ type: 'object', properties: { text: string, system: string, prompt: string, body: string, code: string, model: string } })).toEqual({
      'ui:submitButtonOptions': { norender: true },
      text: textarea(),
      system: textarea(),
      prompt: textarea(),
      body: textarea(),
      code: textarea(10),
    });
  });

  it('draws strings marked multi-line, or allowed more than 200 characters, as text areas', () => {
    const ui = uiSchemaFor({
      type: 'object',
      properties: {
        note: { type: 'string', 'x-multiline': true },
        letter: { type: 'string', format: 'textarea' },
        story: { type: 'string', maxLength: 2000 },
        short: { type: 'string', maxLength: 200 },
        url: { type: 'string', maxLength: 8192 },
        choice: { enum: ['a', 'b'] },
        count: { type: 'integer', maximum: 1000 },
      },
    });
    expect(ui).toEqual({ 'ui:submitButtonOptions': { norender: true }, note: textarea(), letter: textarea(), story: textarea() });
  });

  it('looks inside nested objects and array items', () => {
    expect(uiSchemaFor({ type: 'object', properties: { steps: { type: 'array', items: { type: 'object', properties: { body: { type: 'string' } } } }, media: { type: 'object', properties: { text: { type: 'string' } } } } })).toEqual({
      'ui:submitButtonOptions': { norender: true },
      steps: { items: { body: textarea() } },
      media: { text: textarea() },
    });
  });

  it('gives the core nodes text areas where their texts are long', () => {
    expect(uiSchemaFor(configOf('core/reply'))['text']).toEqual(textarea());
    expect(uiSchemaFor(configOf('core/llm'))).toMatchObject({ system: textarea() });
    expect(uiSchemaFor(configOf('core/llm'))['model']).toBeUndefined();
    expect(uiSchemaFor(configOf('core/code'))['code']).toEqual(textarea(10));
    expect(uiSchemaFor(configOf('core/http'))['url']).toBeUndefined();
  });
});

describe('withAnyValueFields', () => {
  it('gives properties of any JSON type the any-value field, nested ones too, keeping other ui options', () => {
    const schema = { type: 'object', properties: { input: { title: 'Input' }, text: { type: 'string' }, opts: { type: 'object', properties: { extra: {} } }, pick: { anyOf: [{ type: 'string' }, { type: 'number' }] } } };
    expect(withAnyValueFields(schema, { text: { 'ui:widget': 'textarea' }, input: { 'ui:options': { rows: 2 } } })).toEqual({
      input: { 'ui:options': { rows: 2 }, 'ui:field': 'anyValue' },
      text: { 'ui:widget': 'textarea' },
      opts: { extra: { 'ui:field': 'anyValue' } },
    });
  });

  it('finds them in the core nodes', () => {
    expect(withAnyValueFields(configOf('core/code'), {})).toEqual({ input: { 'ui:field': 'anyValue' } });
    expect(withAnyValueFields(configOf('core/http'), {})).toMatchObject({ json: { 'ui:field': 'anyValue' } });
  });
});

describe('anyValueOf and anyValueText', () => {
  it('reads JSON objects and arrays, and keeps everything else as text', () => {
    expect(anyValueOf(' {"a": [1, true]}')).toEqual({ a: [1, true] });
    expect(anyValueOf('[]')).toEqual([]);
    expect(anyValueOf('{{ nodes.fetch.output.json }}')).toBe('{{ nodes.fetch.output.json }}');
    expect(anyValueOf('{"a": ')).toBe('{"a": ');
    expect(anyValueOf('42')).toBe('42');
    expect(anyValueOf('  ')).toBeUndefined();
  });

  it('shows text as it is and other values as JSON', () => {
    expect(anyValueText('{{ vars.x }}')).toBe('{{ vars.x }}');
    expect(anyValueText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(anyValueText(3)).toBe('3');
    expect(anyValueText(undefined)).toBe('');
  });
});

describe('formProblemsOf', () => {
  const reply = configOf('core/reply');
  const problem = (pointer: string, message = pointer) => ({ code: 'config_invalid', pointer, message });

  it('nests field problems by config path, array indexes and escaped keys included', () => {
    const schema = { type: 'object', properties: { 'a/b': { type: 'string' }, buttons: (reply as { properties: Record<string, unknown> }).properties['buttons'] } };
    const { errors, general } = formProblemsOf([problem('/nodes/1/config/buttons/0/title', 'empty'), problem('/nodes/1/config/a~1b', 'escaped'), problem('/nodes/1/config/buttons/0/title', 'too long')], 1, schema, {
      buttons: [{ title: '' }],
    });
    expect(errors).toEqual({ buttons: { 0: { title: { __errors: ['empty', 'too long'] } } }, 'a/b': { __errors: ['escaped'] } });
    expect(general).toEqual([]);
  });

  it('keeps problems about the node, the whole config or keys the form does not draw for the list', () => {
    const { errors, general } = formProblemsOf([problem('/nodes/1'), problem('/nodes/1/config'), problem('/nodes/1/config/bogus/deep'), problem('/edges/0')], 1, reply, {});
    expect(errors).toEqual({});
    expect(general).toEqual([problem('/nodes/1'), problem('/nodes/1/config'), { ...problem('/nodes/1/config/bogus/deep'), field: 'bogus.deep' }, problem('/edges/0')]);
  });

  it('lists every problem when the node type is unknown', () => {
    expect(formProblemsOf([problem('/nodes/1/config/text')], 1, undefined, { text: 'x' }).general).toHaveLength(1);
  });

  it('puts a problem deep inside a choice of shapes on the choice', () => {
    const { errors } = formProblemsOf([problem('/nodes/3/config/memory/maxTokens', 'too many')], 3, configOf('core/llm'), { memory: { maxTokens: 1e9 } });
    expect(errors).toEqual({ memory: { __errors: ['too many'] } });
  });
});

describe('drawnDepth', () => {
  it('follows properties, array items and the keys of a free map that are set', () => {
    const set = { type: 'object', properties: { vars: { type: 'object', additionalProperties: { type: 'string' } } } };
    expect(drawnDepth(set, { vars: { name: 'x' } }, ['vars', 'name'])).toBe(2);
    expect(drawnDepth(set, { vars: {} }, ['vars', 'name'])).toBe(1);
    expect(drawnDepth(configOf('core/reply'), {}, ['buttons', '3', 'title'])).toBe(3);
    expect(drawnDepth(configOf('core/reply'), {}, ['buttons', 'first'])).toBe(1);
    expect(drawnDepth(configOf('core/reply'), {}, ['nope'])).toBe(0);
  });
});

describe('pluginOf', () => {
  it('is the part of a node type before the slash', () => {
    expect(pluginOf('core/nope')).toBe('core');
    expect(pluginOf('acme/mood')).toBe('acme');
    expect(pluginOf('loner')).toBe('loner');
  });
});
