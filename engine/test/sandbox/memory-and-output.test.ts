import { describe, expect, it } from 'vitest';
import { bundle, errorOf, expectOk, poolForFile, request } from './helpers.js';

const pool = poolForFile({ size: 2 });

const bombs = bundle('bombs', {
  'bombs/objects': `() => { const all = []; for (;;) all.push({ index: all.length, text: 'item ' + all.length }); }`,
  'bombs/buffers': `() => { const all = []; for (;;) all.push(new ArrayBuffer(2 * 1024 * 1024)); }`,
  'bombs/string': `() => { const big = 'x'.repeat(256 * 1024 * 1024); return { output: JSON.stringify(big).length }; }`,
  'bombs/ok': `() => ({ port: 'out' })`,
});

const outputs = bundle('outputs', {
  'outputs/huge-string': `() => ({ output: 'x'.repeat(200 * 1024 * 1024) })`,
  'outputs/just-too-large': `() => ({ output: 'x'.repeat(1024 * 1024) })`,
  'outputs/deep': `() => { let deep = {}; for (let i = 0; i < 10000; i += 1) deep = { deep }; return { output: deep }; }`,
  'outputs/cycle': `() => { const a = { name: 'a' }; a.self = a; return { output: a }; }`,
  'outputs/function': `() => ({ output: { callback() {} } })`,
  'outputs/symbol': `() => ({ output: [Symbol('s')] })`,
  'outputs/bigint': `() => ({ output: 10n })`,
  'outputs/throwing-proxy': `() => ({ output: new Proxy({}, { ownKeys() { throw new Error('trap'); }, get() { throw new Error('trap'); } }) })`,
  'outputs/getter': `() => ({ output: { get secret() { return 'ran'; } } })`,
  'outputs/map': `() => ({ output: new Map([[1, 2]]) })`,
  'outputs/port-number': `() => ({ port: 42 })`,
  'outputs/proto-key': `() => ({ vars: JSON.parse('{"__proto__": {"isAdmin": true}}') })`,
  'outputs/plain': `() => ({ port: 'out', output: { list: [1, 'two', null, true, { nested: [] }], when: new Date(0), nan: NaN, skip: undefined }, vars: { a: 1 } })`,
});

describe('S-04 memory bombs', () => {
  for (const nodeType of ['bombs/objects', 'bombs/buffers', 'bombs/string']) {
    it(`stops ${nodeType} at the 32 MiB limit and runs the next step normally`, async () => {
      const result = await pool.run(request(bombs, nodeType, { workspaceId: 'ws-bomb', limits: { timeoutMs: 10_000, memoryMb: 32 } }));
      const error = errorOf(result);
      // A worker that aborts instead (isolated-vm #107, #527) is the documented fallback.
      expect(['memory_limit', 'sandbox_crashed']).toContain(error.code);
      if (error.code === 'memory_limit') expect(error.message).toBe('step exceeded its 32 MiB memory limit (limits.memoryMb in plugin.json)');
      const next = await pool.run(request(bombs, 'bombs/ok', { workspaceId: 'ws-bomb', limits: { timeoutMs: 10_000, memoryMb: 32 } }));
      expect(expectOk(next)).toEqual({ port: 'out' });
    });
  }
});

describe('S-13 giant or hostile outputs', () => {
  const cases: [string, string, string?][] = [
    ['outputs/huge-string', 'output_too_large'],
    ['outputs/just-too-large', 'output_too_large'],
    ['outputs/deep', 'output_not_serializable', 'nested deeper than 100 levels'],
    ['outputs/cycle', 'output_not_serializable', 'result.output.self contains a cycle'],
    ['outputs/function', 'output_not_serializable', 'result.output.callback is a function'],
    ['outputs/symbol', 'output_not_serializable', 'result.output[0] is a Symbol'],
    ['outputs/bigint', 'output_not_serializable', 'result.output is a BigInt'],
    ['outputs/throwing-proxy', 'output_not_serializable', 'Error: trap'],
    ['outputs/getter', 'output_not_serializable', 'result.output.secret is a getter'],
    ['outputs/map', 'output_not_serializable', 'is not a plain object'],
    ['outputs/port-number', 'invalid_output', 'result.port must be a string'],
  ];
  for (const [nodeType, code, text] of cases) {
    it(`refuses ${nodeType} with ${code} before it leaves the isolate`, async () => {
      const error = errorOf(await pool.run(request(outputs, nodeType, { limits: { timeoutMs: 10_000, memoryMb: 64 } })));
      expect(error.code).toBe(code);
      if (text !== undefined) expect(error.message).toContain(text);
      if (code === 'output_too_large') expect(error.message).toContain('more than 1048576 bytes');
    });
  }

  it('keeps a "__proto__" key as an own data property, never as a prototype', async () => {
    const value = expectOk(await pool.run(request(outputs, 'outputs/proto-key')));
    expect(Object.getPrototypeOf(value.vars)).toBe(Object.prototype);
    expect(Object.hasOwn(value.vars ?? {}, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('copies plain JSON data out the way JSON would', async () => {
    const value = expectOk(await pool.run(request(outputs, 'outputs/plain')));
    expect(value).toEqual({
      port: 'out',
      output: { list: [1, 'two', null, true, { nested: [] }], when: '1970-01-01T00:00:00.000Z', nan: null },
      vars: { a: 1 },
    });
  });
});
