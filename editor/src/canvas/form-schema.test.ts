import { describe, expect, it } from 'vitest';
import { formSchemaOf } from './form-schema.js';

describe('formSchemaOf', () => {
  it('drops "a or b is required" rules, which would hide fields behind an option picker', () => {
    const schema = { type: 'object', properties: { text: { type: 'string' }, media: { type: 'object', properties: { url: { type: 'string' } } } }, anyOf: [{ required: ['text'] }, { required: ['media'] }] };
    expect(formSchemaOf(schema)).toEqual({ type: 'object', properties: schema.properties });
  });

  it('keeps real choices between shapes', () => {
    const schema = { oneOf: [{ type: 'string' }, { type: 'number' }] };
    expect(formSchemaOf(schema)).toEqual(schema);
  });

  it('gives free maps text values so keys can be added', () => {
    const schema = { type: 'object', required: ['vars'], properties: { vars: { type: 'object', title: 'Variables', minProperties: 1 } } };
    expect(formSchemaOf(schema)).toEqual({
      type: 'object',
      required: ['vars'],
      properties: { vars: { type: 'object', title: 'Variables', minProperties: 1, additionalProperties: { type: 'string' } } },
    });
  });

  it('leaves the node schema it was given untouched', () => {
    const schema = { type: 'object', properties: { vars: { type: 'object' } } };
    formSchemaOf(schema);
    expect(schema).toEqual({ type: 'object', properties: { vars: { type: 'object' } } });
  });
});
