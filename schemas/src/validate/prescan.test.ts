import { describe, expect, it } from 'vitest';
import { prescanJson } from './prescan.js';

describe('prescanJson', () => {
  it('finds nothing in plain JSON', () => {
    expect(prescanJson(JSON.parse('{"a":[1,"x",null,true,{"b":{}}]}'))).toEqual([]);
  });

  it('escapes "/" and "~" in the pointers it reports', () => {
    expect(prescanJson({ 'a/b': { '~c': { constructor: 1 } } }).map((issue) => issue.pointer)).toEqual(['/a~1b/~0c/constructor']);
  });

  it('honours maxDepth, basePointer and skip', () => {
    const skipped = { constructor: 1 };
    expect(prescanJson({ a: { b: 1 }, c: skipped }, { maxDepth: 1, basePointer: '/x', skip: new Set([skipped]) })).toEqual([
      {
        code: 'nesting_too_deep',
        pointer: '/x/a/b',
        message: 'nesting deeper than 1 levels at /x/a/b; flatten this value (or store deep data as a JSON string)',
      },
    ]);
  });

  it('looks at a shared object once per depth, so a wide diamond stays linear', () => {
    let shared: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) shared = { left: shared, right: shared };
    expect(prescanJson({ root: shared })).toEqual([]);
  });

  it('reports each problem once, and stops at a thousand', () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, Number.NaN]));
    expect(prescanJson(many)).toHaveLength(1000);
  });
});
