import { describe, expect, it } from 'vitest';
import { createSandboxPool } from '../../src/sandbox/index.js';
import type { CapabilityCall } from '../../src/sandbox/types.js';
import { bundle, errorOf, expectOk, poolForFile, request } from './helpers.js';

const pool = poolForFile({ size: 2 });

const acme = bundle(
  'acme',
  {
    'acme/echo': `(input) => ({ port: 'out', output: { got: input }, vars: { seen: true } })`,
    'acme/kv': `async (input, ctx) => {
      const arg = { n: 1 };
      const pending = ctx.kv.set('k', arg);
      arg.n = 2; // the host must have received a copy already
      await pending;
      const value = await ctx.kv.get('k');
      value.mutated = true;
      return { output: value };
    }`,
    'acme/catch': `async (input, ctx) => {
      try { await ctx.billing.check(5); return { port: 'no-error' }; }
      catch (error) { return { port: 'caught', output: { code: error.code, message: error.message, isError: error instanceof Error } }; }
    }`,
    'acme/throws': `() => { throw new MyError('card declined'); }`,
    'acme/old-style': `() => ({ output: { text: String(new Old()), name: new MyError('x').name } })`,
    'acme/undefined': `() => undefined`,
    'acme/string': `() => 'not an object'`,
    'acme/module-scope': `() => ({ output: { runs: ++moduleCounter } })`,
  },
  {
    prelude: `
      class MyError extends Error { constructor(message) { super(message); this.name = 'MyError'; this.code = 'E_CARD'; } }
      function Old() {}
      Old.prototype.toString = function () { return 'old-style'; };
      Old.prototype.constructor = Old;
      let moduleCounter = 0;`,
  },
);

describe('createSandboxPool', () => {
  it('returns the port, output and vars of a trivial node', async () => {
    const result = await pool.run(request(acme, 'acme/echo', { input: { text: 'hi' } }));
    expect(expectOk(result)).toEqual({ port: 'out', output: { got: { text: 'hi' } }, vars: { seen: true } });
    expect(result.stats.workerPid).toBeGreaterThan(0);
  });

  it('copies capability arguments out and results in', async () => {
    const calls: CapabilityCall[] = [];
    const stored = { v: 42 };
    const result = await pool.run(
      request(acme, 'acme/kv', {
        capabilities: ['kv'],
        onCapabilityCall: async (call) => {
          calls.push(call);
          return call.method === 'get' ? stored : undefined;
        },
      }),
    );
    expect(expectOk(result).output).toEqual({ v: 42, mutated: true });
    expect(stored).toEqual({ v: 42 });
    expect(calls).toEqual([
      { capability: 'kv', method: 'set', args: ['k', { n: 1 }] },
      { capability: 'kv', method: 'get', args: ['k'] },
    ]);
    expect(result.stats.capabilityCalls).toBe(2);
  });

  it('rejects a capability call with the host error code and message only', async () => {
    const hostError = Object.assign(new Error('not enough credits'), { code: 'insufficient_credits', secret: 'host-only' });
    const result = await pool.run(
      request(acme, 'acme/catch', { capabilities: ['billing'], onCapabilityCall: () => Promise.reject(hostError) }),
    );
    expect(expectOk(result)).toEqual({
      port: 'caught',
      output: { code: 'insufficient_credits', message: 'insufficient_credits: not enough credits', isError: true },
    });
  });

  it('reports a thrown error as sanitized data with its name and code', async () => {
    const error = errorOf(await pool.run(request(acme, 'acme/throws')));
    expect(error).toEqual({
      code: 'plugin_error',
      message: 'MyError: card declined',
      thrown: { name: 'MyError', message: 'card declined', code: 'E_CARD' },
    });
  });

  it('lets ordinary code override inherited properties of frozen built-ins', async () => {
    const result = await pool.run(request(acme, 'acme/old-style'));
    expect(expectOk(result).output).toEqual({ text: 'old-style', name: 'MyError' });
  });

  it('treats an undefined result as an empty one and refuses a non-object', async () => {
    expect(expectOk(await pool.run(request(acme, 'acme/undefined')))).toEqual({});
    expect(errorOf(await pool.run(request(acme, 'acme/string'))).code).toBe('invalid_output');
  });

  it('gives every run a fresh module scope', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect(expectOk(await pool.run(request(acme, 'acme/module-scope'))).output).toEqual({ runs: 1 });
    }
  });

  it("does not count a new worker's start-up against the first step's time limit", async () => {
    const cold = createSandboxPool({ size: 1 });
    try {
      // Starting a worker from TypeScript sources takes far longer than this limit.
      const result = await cold.run(request(acme, 'acme/echo', { limits: { timeoutMs: 250, memoryMb: 32 } }));
      expect(expectOk(result).port).toBe('out');
    } finally {
      await cold.close();
    }
  });

  it('fails with unknown_node_type and lists what the bundle exports', async () => {
    const error = errorOf(await pool.run(request(acme, 'acme/missing')));
    expect(error.code).toBe('unknown_node_type');
    expect(error.message).toContain('acme does not export node type "acme/missing"');
    expect(error.message).toContain('acme/echo');
  });

  it('accepts a default export and a bare table of nodes', async () => {
    const withDefault = { ...bundle('dflt', {}), code: `module.exports = { default: { nodes: { 'dflt/a': { run: () => ({ port: 'x' }) } } } };`, codeHash: 'dflt-1' };
    const bare = { ...bundle('bare', {}), code: `module.exports = { 'bare/a': { run: () => ({ port: 'y' }) } };`, codeHash: 'bare-1' };
    expect(expectOk(await pool.run(request(withDefault, 'dflt/a')))).toEqual({ port: 'x' });
    expect(expectOk(await pool.run(request(bare, 'bare/a')))).toEqual({ port: 'y' });
  });

  it('fails a step whose bundle does not compile with plugin_error', async () => {
    const broken = { pluginName: 'broken', codeHash: 'broken-1', code: 'module.exports = {' };
    const error = errorOf(await pool.run(request(broken, 'broken/a')));
    expect(error.code).toBe('plugin_error');
    expect(error.message).toContain('broken: the bundle does not compile: SyntaxError');
  });
});

describe('SandboxPool.listExports', () => {
  it('lists the node types a bundle exports', async () => {
    await expect(pool.listExports(acme)).resolves.toEqual([
      'acme/echo',
      'acme/kv',
      'acme/catch',
      'acme/throws',
      'acme/old-style',
      'acme/undefined',
      'acme/string',
      'acme/module-scope',
    ]);
  });

  it('rejects with plugin_invalid when the bundle does not load', async () => {
    await expect(pool.listExports({ pluginName: 'bad', codeHash: 'bad-1', code: 'throw new Error("boom at load")' })).rejects.toMatchObject({
      code: 'plugin_invalid',
      message: expect.stringContaining('boom at load'),
    });
  });
});

describe('SandboxPool.stats', () => {
  it('counts runs and lists live workers', async () => {
    await pool.run(request(acme, 'acme/echo'));
    const stats = pool.stats();
    expect(stats.runsStarted).toBeGreaterThan(0);
    expect(stats.workers.length).toBeGreaterThan(0);
    expect(pool.workerPids()).toEqual(stats.workers.map((w) => w.pid));
    expect(stats.runsInFlight).toBe(0);
  });
});
