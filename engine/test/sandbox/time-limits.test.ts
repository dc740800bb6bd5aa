import { describe, expect, it } from 'vitest';
import type { CapabilityCall } from '../../src/sandbox/types.js';
import { bundle, errorOf, eventually, expectOk, poolForFile, request } from './helpers.js';

const pool = poolForFile({ size: 2 });

const hostile = bundle('hostile', {
  'hostile/spin': `() => { while (true) {} }`,
  'hostile/kv-loop': `async (input, ctx) => { for (;;) await ctx.kv.get('again'); }`,
  'hostile/never': `async () => { await new Promise(() => {}); }`,
  'hostile/late-calls': `(input, ctx) => {
    Promise.resolve().then(() => ctx.kv.set('late', 1));
    (async () => { for (let i = 0; i < 5; i += 1) await null; await ctx.kv.set('later', 2); })();
    return { port: 'out' };
  }`,
  'hostile/late-async': `async (input, ctx) => {
    (async () => { for (let i = 0; i < 5; i += 1) await null; await ctx.kv.set('later', 3); })();
    return { port: 'out' };
  }`,
  'hostile/spin-after-return': `() => {
    (async () => { for (let i = 0; i < 3; i += 1) await null; while (true) {} })();
    return { port: 'out' };
  }`,
  'hostile/recurse': `() => { const down = (n) => down(n + 1) + 1; return { output: down(0) }; }`,
  'hostile/deep-argument': `async (input, ctx) => {
    let deep = {};
    for (let i = 0; i < 100000; i += 1) deep = { deep };
    try { await ctx.kv.set('deep', deep); return { port: 'sent' }; }
    catch (error) { return { port: 'refused', output: { code: error.code, message: error.message } }; }
  }`,
  'hostile/ok': `() => ({ port: 'out' })`,
});

const friendly = bundle('friendly', { 'friendly/hello': `(input) => ({ port: 'out', output: { hello: input.name } })` });

describe('S-01 synchronous infinite loop', () => {
  it('fails with timeout while another workspace completes and the host keeps running', async () => {
    let hostTicks = 0;
    const ticker = setInterval(() => (hostTicks += 1), 10);
    try {
      const [spun, other] = await Promise.all([
        pool.run(request(hostile, 'hostile/spin', { workspaceId: 'ws-a', limits: { timeoutMs: 500, memoryMb: 32 } })),
        pool.run(request(friendly, 'friendly/hello', { workspaceId: 'ws-b', input: { name: 'bob' } })),
      ]);
      expect(errorOf(spun)).toEqual({ code: 'timeout', message: 'step exceeded its 500 ms time limit (limits.timeoutMs in plugin.json)' });
      expect(expectOk(other).output).toEqual({ hello: 'bob' });
    } finally {
      clearInterval(ticker);
    }
    expect(hostTicks).toBeGreaterThan(0);
    // The isolate was disposed and is rebuilt for the next step of the same plugin.
    expect(expectOk(await pool.run(request(hostile, 'hostile/ok', { workspaceId: 'ws-a' })))).toEqual({ port: 'out' });
    expect(pool.stats().workerCrashes).toBe(0);
  });
});

describe('S-02 asynchronous infinite loop', () => {
  it('stops a loop that awaits a slow capability each turn with timeout (isolated-vm #475)', async () => {
    const calls: CapabilityCall[] = [];
    const result = await pool.run(
      request(hostile, 'hostile/kv-loop', {
        capabilities: ['kv'],
        limits: { timeoutMs: 300, memoryMb: 32 },
        onCapabilityCall: async (call) => {
          calls.push(call);
          await new Promise((resolve) => setTimeout(resolve, 20));
          return null;
        },
      }),
    );
    expect(errorOf(result).code).toBe('timeout');
    expect(calls.length).toBeGreaterThan(0);
  });

  it('stops the same loop with capability_limit when the host answers fast', async () => {
    let calls = 0;
    const result = await pool.run(
      request(hostile, 'hostile/kv-loop', {
        capabilities: ['kv'],
        limits: { timeoutMs: 10_000, memoryMb: 32 },
        onCapabilityCall: async () => {
          calls += 1;
          return null;
        },
      }),
    );
    expect(errorOf(result)).toMatchObject({ code: 'capability_limit', message: expect.stringContaining('(maxCallsPerStep)') });
    expect(calls).toBe(100);
  });

  it('stops a step awaiting a promise that never settles', async () => {
    const error = errorOf(await pool.run(request(hostile, 'hostile/never', { limits: { timeoutMs: 200, memoryMb: 32 } })));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('still waiting on a promise');
    expect(expectOk(await pool.run(request(hostile, 'hostile/ok')))).toEqual({ port: 'out' });
  });
});

describe('S-03 work after return', () => {
  for (const nodeType of ['hostile/late-calls', 'hostile/late-async']) {
    it(`revokes ctx when ${nodeType} returns, so late calls never reach the host`, async () => {
      const calls: CapabilityCall[] = [];
      const onCapabilityCall = async (call: CapabilityCall) => {
        calls.push(call);
        return null;
      };
      const result = await pool.run(request(hostile, nodeType, { workspaceId: 'ws-late', capabilities: ['kv'], onCapabilityCall }));
      expect(expectOk(result)).toEqual({ port: 'out' });
      const next = await pool.run(request(hostile, 'hostile/ok', { workspaceId: 'ws-late', capabilities: ['kv'], onCapabilityCall }));
      expect(expectOk(next)).toEqual({ port: 'out' });
      // Give any straggler time to show up: bounded polling, then the count must still be zero.
      await eventually(() => calls.length > 0, 'a late call', 300).catch(() => undefined);
      expect(calls).toEqual([]);
    });
  }

  it('charges a spin after return to the step, disposes the isolate and runs the next step cleanly', async () => {
    const error = errorOf(
      await pool.run(request(hostile, 'hostile/spin-after-return', { workspaceId: 'ws-spin', limits: { timeoutMs: 300, memoryMb: 32 } })),
    );
    expect(error).toEqual({
      code: 'timeout',
      message: 'step exceeded its 300 ms time limit (limits.timeoutMs in plugin.json); its code kept running after run() returned',
    });
    expect(expectOk(await pool.run(request(hostile, 'hostile/ok', { workspaceId: 'ws-spin' })))).toEqual({ port: 'out' });
  });
});

describe('S-06 stack overflow', () => {
  it('surfaces a RangeError as the step error 50 times in one pooled isolate without a crash', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 50; i += 1) {
      const result = await pool.run(request(hostile, 'hostile/recurse', { workspaceId: 'ws-recurse' }));
      expect(errorOf(result)).toMatchObject({ code: 'plugin_error', message: 'RangeError: Maximum call stack size exceeded' });
      pids.add(result.stats.workerPid);
    }
    expect(pids.size).toBe(1);
    expect(pool.stats().workerCrashes).toBe(0);
  });

  it('refuses a capability argument nested too deep to serialize', async () => {
    const calls: CapabilityCall[] = [];
    const result = await pool.run(
      request(hostile, 'hostile/deep-argument', {
        capabilities: ['kv'],
        onCapabilityCall: async (call) => {
          calls.push(call);
          return null;
        },
      }),
    );
    expect(expectOk(result)).toMatchObject({ port: 'refused', output: { code: 'capability_failed' } });
    expect(calls).toEqual([]);
  });
});
