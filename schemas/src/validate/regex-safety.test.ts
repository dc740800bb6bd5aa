import { describe, expect, it } from 'vitest';
import { findRegexHazard } from './regex-safety.js';

describe('findRegexHazard', () => {
  it.each([
    '(a+)+$',
    '(a*)*',
    '(a+)*b',
    '(?:a|b+)+',
    '(\\w+\\s?)*$',
    '^(([a-z])+.)+[A-Z]([a-z])+$',
    '(a{1,9}){2}',
    '(a+?)+',
    '(a|a)*',
    '(a|ab)+',
    '(\\d|\\w)*',
    '(.|x)+',
    '(a|)+',
    '(x)\\1',
    '(?<x>a)\\k<x>',
  ])('refuses %s', (pattern) => {
    expect(findRegexHazard(pattern)).toBeTypeOf('string');
  });

  it.each([
    '^[a-z][a-z0-9-]*$',
    '^[A-Za-z0-9_-]{1,64}$',
    '(foo|bar)*',
    '^(ab)+$',
    '(b{2})+',
    '(a?b)+',
    '^\\p{L}+$',
    '^[(+*)]+$',
    '\\(a+\\)+',
    '^https?://[^\\s/$.?#].[^\\s]*$',
    '^(?:[0-9]{3}-){2}[0-9]{4}$',
  ])('accepts %s', (pattern) => {
    expect(findRegexHazard(pattern)).toBeUndefined();
  });

  it('refuses patterns that do not compile or are too long', () => {
    expect(findRegexHazard('(a')).toMatch(/^it is not a valid regular expression/);
    expect(findRegexHazard('a'.repeat(201))).toBe('it is 201 characters long (max 200)');
  });
});
