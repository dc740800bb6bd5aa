import { describe, expect, it } from 'vitest';
import { parseCapabilityArgs } from './capability-args.js';

describe('parseCapabilityArgs', () => {
  it('parses ordinary JSON, escapes included', () => {
    expect(parseCapabilityArgs('{"a":[1,"\\u00e9"],"proto":true}')).toEqual({ a: [1, 'é'], proto: true });
  });

  it('refuses a "__proto__" key, plain or escaped', () => {
    expect(() => parseCapabilityArgs('{"x":{"__proto__":{"admin":true}}}')).toThrow(/__proto__/);
    expect(() => parseCapabilityArgs('{"\\u005f_proto__":{"admin":true}}')).toThrow(/__proto__/);
  });
});
