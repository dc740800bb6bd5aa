import { describe, expect, it } from 'vitest';
import { NexusError } from '../errors.js';
import { checkTemplates } from './check-templates.js';
import { compileTemplates, type TemplateRenderer } from './compile-templates.js';
import type { ExpressionScope } from './evaluate-expression.js';
import { parseTemplate } from './template-syntax.js';

const scope: ExpressionScope = {
  message: { text: 'hello' },
  vars: { name: 'Ada', count: 3, ok: true, nothing: null, profile: { plan: 'pro' }, tags: ['a', 'b'] },
  nodes: { ask: { output: { answer: 42 } } },
  contact: { id: 'c1' },
};

function renderer(value: unknown, skipKeys?: readonly string[]): TemplateRenderer {
  const render = compileTemplates(value, skipKeys);
  if (render === undefined) throw new Error('expected templates');
  return render;
}

/** A value nested `levels` deep, built without recursion: { a: { a: ... { text } } }. */
function nested(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i += 1) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

describe('compileTemplates', () => {
  it('returns undefined when the value holds no template', () => {
    expect(compileTemplates({ provider: 'openai', model: 'gpt-4o-mini', stream: true, n: [1, { x: 'y' }] })).toBeUndefined();
    expect(compileTemplates('plain text')).toBeUndefined();
    expect(compileTemplates(42)).toBeUndefined();
    expect(compileTemplates(null)).toBeUndefined();
    expect(compileTemplates({ text: 'braces { } and }} alone' })).toBeUndefined();
  });

  it('renders a string that is exactly one template to the raw value', async () => {
    const render = renderer({
      count: '{{ vars.count }}',
      spaced: '  {{ vars.count }}  ',
      ok: '{{vars.ok}}',
      nothing: '{{ vars.nothing }}',
      profile: '{{ vars.profile }}',
      tags: '{{ vars.tags }}',
      missing: '{{ vars.missing }}',
    });
    expect(await render(scope)).toEqual({
      count: 3,
      spaced: 3,
      ok: true,
      nothing: null,
      profile: { plan: 'pro' },
      tags: ['a', 'b'],
      missing: undefined,
    });
  });

  it('concatenates a mixed string: text as is, null as nothing, objects as JSON', async () => {
    const render = renderer({
      greeting: 'Hi {{ vars.name }}!',
      facts: '{{ vars.count }} items, ok={{ vars.ok }}, none=[{{ vars.nothing }}][{{ vars.missing }}]',
      json: 'profile {{ vars.profile }} tags {{ vars.tags }}',
      two: '{{ vars.name }}{{ vars.count }}',
    });
    expect(await render(scope)).toEqual({
      greeting: 'Hi Ada!',
      facts: '3 items, ok=true, none=[][]',
      json: 'profile {"plan":"pro"} tags ["a","b"]',
      two: 'Ada3',
    });
  });

  it('reads \\{{ as a literal {{', async () => {
    const render = renderer({ text: 'use \\{{ name }} for {{ vars.name }}', only: '\\{{ not a template }}' });
    expect(await render(scope)).toEqual({ text: 'use {{ name }} for Ada', only: '{{ not a template }}' });
  });

  it('ends a template at the }} that closes it, not at one inside the expression', async () => {
    const render = renderer({
      object: '{{ {"a": {"b": vars.count}} }}',
      quoted: '{{ "}}" & vars.name }}',
      regex: '{{ $replace("a}}b", /\\}\\}/, "-") }}',
      comment: '{{ /* }} */ vars.count }}',
    });
    expect(await render(scope)).toEqual({ object: { a: { b: 3 } }, quoted: '}}Ada', regex: 'a-b', comment: 3 });
  });

  it('renders nested objects and arrays and copies everything else', async () => {
    const config = {
      system: '{{ vars.name }}',
      options: { temperature: 0.2, stop: ['\n', '{{ message.text }}'], nested: [{ deep: 'x {{ nodes.ask.output.answer }}' }] },
      untouched: { list: [1, 2, 3] },
    };
    const render = renderer(config);
    const first = (await render(scope)) as typeof config;
    expect(first).toEqual({
      system: 'Ada',
      options: { temperature: 0.2, stop: ['\n', 'hello'], nested: [{ deep: 'x 42' }] },
      untouched: { list: [1, 2, 3] },
    });
    expect(first.untouched).not.toBe(config.untouched);
    first.untouched.list.push(4);
    expect(((await render(scope)) as typeof config).untouched.list).toEqual([1, 2, 3]);
    expect(config.options.stop[1]).toBe('{{ message.text }}');
  });

  it('renders a value that is itself a template string', async () => {
    await expect(renderer('{{ vars.count + 1 }}')(scope)).resolves.toBe(4);
  });

  it('skips the given keys at the top level only', async () => {
    const render = renderer({ code: 'return `{{ raw }}`', text: '{{ vars.name }}', inner: { code: '{{ vars.count }}' } }, ['code']);
    expect(await render(scope)).toEqual({ code: 'return `{{ raw }}`', text: 'Ada', inner: { code: 3 } });
    expect(compileTemplates({ code: '{{ raw }}' }, ['code'])).toBeUndefined();
  });

  it('keeps a __proto__ key as an own property of the copy', async () => {
    const config = JSON.parse('{"__proto__": {"is_admin": "{{ vars.ok }}"}, "text": "{{ vars.name }}"}') as object;
    const rendered = (await renderer(config)(scope)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(rendered)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(rendered, '__proto__')?.value).toEqual({ is_admin: true });
    expect(({} as { is_admin?: unknown }).is_admin).toBeUndefined();
  });

  it('fails a render with the pointer of the string whose template failed', async () => {
    const error = await renderer({ list: ['ok', 'n={{ vars.name + 1 }}'] })(scope).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(NexusError);
    expect(error).toMatchObject({ code: 'expression_failed', pointer: '/list/1' });
    expect((error as Error).message).toContain('(T2001) (at /list/1)');
  });

  it('fails at render time, not compile time, for a template that was never checked', async () => {
    const render = renderer({ text: 'Hi {{ $foo( }}', open: 'x {{ y' });
    await expect(render(scope)).rejects.toMatchObject({ code: 'expression_failed', pointer: '/text' });
  });

  it('gives the whole render one deadline', async () => {
    const forever = '{{ ($f := function($x){ $f($x) }; $f(1)) }}';
    const render = renderer({ a: forever, b: forever, c: forever });
    await expect(render(scope, { timeoutMs: 40 })).rejects.toMatchObject({ code: 'expression_timeout', pointer: '/a' });
  });

  it('walks a value nested 10,000 levels deep without overflowing the stack', async () => {
    const deep = nested(10_000, '{{ vars.count }}');
    const render = renderer(deep);
    let rendered = await render(scope);
    for (let i = 0; i < 10_000 && typeof rendered === 'object' && rendered !== null; i += 1) {
      rendered = Array.isArray(rendered) ? rendered[0] : (rendered as { a: unknown }).a;
    }
    expect(rendered).toBe(3);
    expect(checkTemplates(nested(10_000, '{{ $foo( }}'), '/nodes/0/config')).toHaveLength(1);
  });
});

describe('parseTemplate', () => {
  it('splits text and expressions, and reports unterminated or empty templates', () => {
    expect(parseTemplate('a {{ x }} b')).toEqual({
      ok: true,
      parts: [
        { kind: 'text', text: 'a ' },
        { kind: 'expression', source: 'x', offset: 2 },
        { kind: 'text', text: ' b' },
      ],
    });
    expect(parseTemplate('a {{ x ')).toEqual({ ok: false, problem: 'unterminated', offset: 2 });
    expect(parseTemplate('a {{ "}} ')).toEqual({ ok: false, problem: 'unterminated', offset: 2 });
    expect(parseTemplate('{{   }}')).toEqual({ ok: false, problem: 'empty', offset: 0 });
  });
});

describe('checkTemplates', () => {
  it('reports every bad template with the pointer of its string', () => {
    const config = {
      text: 'Hi {{ $foo( }}, you have {{ vars.count + }} items',
      fine: 'Hi {{ vars.name }}',
      'a/b~c': ['ok', 'x {{ y'],
      nested: { empty: '{{ }}', regex: '{{ $match(message.text, /(a)\\1/) }}' },
      code: '{{ not checked }}(',
    };
    expect(checkTemplates(config, '/nodes/3/config', ['code'])).toMatchInlineSnapshot(`
      [
        {
          "code": "expression_invalid",
          "message": "\`$foo(\` is not valid JSONata: Expected ")" before end of expression at position 5 (S0203)",
          "pointer": "/nodes/3/config/text",
        },
        {
          "code": "expression_invalid",
          "message": "\`vars.count +\` is not valid JSONata: Unexpected end of expression at position 12 (S0207)",
          "pointer": "/nodes/3/config/text",
        },
        {
          "code": "template_unterminated",
          "message": "the template opened with {{ at character 2 is never closed with }}; write \\{{ for a literal {{",
          "pointer": "/nodes/3/config/a~1b~0c/1",
        },
        {
          "code": "expression_invalid",
          "message": "the template at character 0 is empty; put an expression between {{ and }}",
          "pointer": "/nodes/3/config/nested/empty",
        },
        {
          "code": "expression_invalid",
          "message": "\`$match(message.text, /(a)\\1/)\` has a regular expression at position 28 that cannot run: /(a)\\1/ uses the backreference \\1; the linear-time regex engine (RE2) has no backreferences or lookaround",
          "pointer": "/nodes/3/config/nested/regex",
        },
      ]
    `);
  });

  it('returns no issues for a value without templates or with good ones', () => {
    expect(checkTemplates({ a: 'x', b: [1, '{{ vars.name }}'], c: '\\{{ literal' }, '/nodes/0/config')).toEqual([]);
  });
});
