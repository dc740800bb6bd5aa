import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import coreManifest from '../../../nodes/plugin.json' with { type: 'json' };
import type { JsonSchema } from '../types/plugin.js';
import { compileConfigValidator } from './config-validator.js';
import { formatSchemaErrors } from './format-errors.js';

const billingCheck: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['minCredits', 'provider'],
  properties: {
    minCredits: { type: 'integer', minimum: 0 },
    provider: { enum: ['openai', 'anthropic'] },
    model: { type: 'string', minLength: 1 },
  },
};

describe('compileConfigValidator', () => {
  const validate = compileConfigValidator(billingCheck);

  it('accepts a config that fits the schema', () => {
    expect(validate({ minCredits: 5, provider: 'openai' }, '/nodes/2/config')).toEqual([]);
  });

  describe('F-13 config schema violations', () => {
    it('reports a wrong type at the property', () => {
      expect(validate({ minCredits: 'five', provider: 'openai' }, '/nodes/2/config')).toMatchInlineSnapshot(`
        [
          {
            "code": "invalid_config",
            "message": "must be an integer",
            "pointer": "/nodes/2/config/minCredits",
          },
        ]
      `);
    });

    it('reports a value outside an enum with the allowed values', () => {
      expect(validate({ minCredits: 1, provider: 42 }, '/nodes/2/config')).toMatchInlineSnapshot(`
        [
          {
            "code": "invalid_config",
            "message": "must be one of: "openai", "anthropic"",
            "pointer": "/nodes/2/config/provider",
          },
        ]
      `);
    });

    it('reports an extra property with the allowed ones', () => {
      expect(validate({ minCredits: 1, provider: 'openai', temprature: 0.2 }, '/nodes/2/config')).toMatchInlineSnapshot(`
        [
          {
            "code": "invalid_config",
            "message": "unknown property "temprature" (allowed: minCredits, provider, model)",
            "pointer": "/nodes/2/config/temprature",
          },
        ]
      `);
    });

    it('reports each missing required property at the config', () => {
      expect(validate({}, '/nodes/2/config')).toMatchInlineSnapshot(`
        [
          {
            "code": "invalid_config",
            "message": "missing required property "minCredits"",
            "pointer": "/nodes/2/config",
          },
          {
            "code": "invalid_config",
            "message": "missing required property "provider"",
            "pointer": "/nodes/2/config",
          },
        ]
      `);
    });
  });

  it('compiles each schema once per JSON text', () => {
    const first = compileConfigValidator({ type: 'object', properties: { a: { type: 'string' } } });
    const second = compileConfigValidator(JSON.parse('{"type":"object","properties":{"a":{"type":"string"}}}') as JsonSchema);
    expect(second({ a: 1 }, '/c')).toEqual(first({ a: 1 }, '/c'));
  });

  it('folds failed anyOf branches into one sentence', () => {
    const reply = coreManifest.nodes[0]?.config as JsonSchema;
    const check = compileConfigValidator(reply);
    expect(check({}, '/nodes/1/config')).toMatchInlineSnapshot(`
      [
        {
          "code": "invalid_config",
          "message": "missing required property: "text" or "media"",
          "pointer": "/nodes/1/config",
        },
      ]
    `);
    expect(check({ text: 'hi', media: { type: 'gif' } }, '/nodes/1/config')).toMatchInlineSnapshot(`
      [
        {
          "code": "invalid_config",
          "message": "missing required property "url"",
          "pointer": "/nodes/1/config/media",
        },
        {
          "code": "invalid_config",
          "message": "must be one of: "image", "audio", "video", "file"",
          "pointer": "/nodes/1/config/media/type",
        },
      ]
    `);
  });

  it('reports the branch whose type fits, or the types that would', () => {
    const check = compileConfigValidator({
      type: 'object',
      properties: {
        timeout: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+s$' }] },
        choice: { oneOf: [{ type: 'string' }, { type: 'string', minLength: 3 }] },
        names: { type: 'array', uniqueItems: true, items: { type: 'string' } },
        vars: { type: 'object', propertyNames: { pattern: '^[a-z]+$' } },
        nothing: { not: { const: 'error' } },
      },
    });
    expect(check({ timeout: 0, choice: 'long enough', names: ['a', 'b', 'a'], vars: { Bad: 1 }, nothing: 'error' }, '/c'))
      .toMatchInlineSnapshot(`
        [
          {
            "code": "invalid_config",
            "message": "must be at least 1",
            "pointer": "/c/timeout",
          },
          {
            "code": "invalid_config",
            "message": "matches more than one allowed form (0 and 1); change it so it matches exactly one",
            "pointer": "/c/choice",
          },
          {
            "code": "invalid_config",
            "message": "repeats item 0; each item must be unique",
            "pointer": "/c/names/2",
          },
          {
            "code": "invalid_config",
            "message": "property name "Bad" must match the pattern ^[a-z]+$",
            "pointer": "/c/vars/Bad",
          },
          {
            "code": "invalid_config",
            "message": "must not be "error"",
            "pointer": "/c/nothing",
          },
        ]
      `);
    expect(check({ timeout: true }, '/c')).toMatchInlineSnapshot(`
      [
        {
          "code": "invalid_config",
          "message": "must be an integer or a string",
          "pointer": "/c/timeout",
        },
      ]
    `);
  });

  it('knows a few string formats', () => {
    const check = compileConfigValidator({
      type: 'object',
      properties: {
        when: { type: 'string', format: 'date-time' },
        site: { type: 'string', format: 'uri' },
        mail: { type: 'string', format: 'email' },
        id: { type: 'string', format: 'uuid' },
      },
    });
    expect(check({ when: '2024-02-29T10:00:00Z', site: 'https://example.com/x', mail: 'a@b.co', id: '123e4567-e89b-12d3-a456-426614174000' }, '')).toEqual([]);
    expect(check({ when: '2023-02-29T10:00:00Z', site: 'nope', mail: 'a@b', id: 'x' }, '').map((issue) => issue.message)).toEqual([
      'must be a valid date-time',
      'must be a valid uri',
      'must be a valid email',
      'must be a valid uuid',
    ]);
  });

  it('reports a value nested too deep for a recursive schema instead of overflowing', () => {
    const tree = compileConfigValidator({
      type: 'object',
      properties: { child: { $ref: '#' } },
    });
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { child: deep };
    expect(tree(deep, '/nodes/0/config')).toEqual([
      { code: 'nesting_too_deep', pointer: '/nodes/0/config', message: 'the config nests too deeply to be checked; flatten it' },
    ]);
  });
});

describe('formatSchemaErrors', () => {
  it('prefixes pointers and takes a code, for any ajv instance run with verbose errors', () => {
    const ajv = new Ajv2020({ allErrors: true, verbose: true });
    const check = ajv.compile({ type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 3 } } });
    check({ name: 'long name' });
    expect(formatSchemaErrors(check.errors ?? [], '/body', 'invalid_body')).toEqual([
      { code: 'invalid_body', pointer: '/body/name', message: 'must be at most 3 characters long' },
    ]);
  });
});
