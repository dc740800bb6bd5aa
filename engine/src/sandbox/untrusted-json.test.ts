import { describe, expect, it } from 'vitest';
import { parseUntrustedJson } from './untrusted-json.js';

describe('parseUntrustedJson', () => {
  it('parses ordinary JSON, escapes included', () => {
    expect(parseUntrustedJson('{"a":[1,"\\u00e9"],"proto":true}')).toEqual({ a: [1, 'é'], proto: true });
  });

  it('refuses a "__proto__" key, plain or escaped', () => {
    expect(() => parseUntrustedJson('{"x":{"__proto__":{"admin":true}}}')).toThrow(/__proto__/);
    expect(() => parseUntrustedJson('{"\\u005f_proto__":{"admin":true}}')).toThrow(/__proto__/);
  });
});
