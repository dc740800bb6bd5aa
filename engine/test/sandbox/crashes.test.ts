import { describe, expect, it } from 'vitest';
import { createSandboxPool } from '../../src/sandbox/index.js';
import type { CapabilityCall } from '../../src/sandbox/types.js';
import { bundle, errorOf, eventually, expectOk, isAlive, poolForFile, request } from './helpers.js';

const crashy = bundle('crashy', {
  'crashy/abort': `async (input, ctx) => { await ctx.kv.get('first'); ctx.test.abort(); return { port: 'never' }; }`,
  'crashy/hang': `(input, ctx) => { ctx.test.hang(30000); return { port: 'never' }; }`,
  'crashy/wait-for-host': `async (input, ctx) => ({ port: 'out', output: await ctx.kv.get('slow') })`,
  'crashy/ok': `() => ({ port: 'out' })`,
  'crashy/spin': `() => { for (;;) {} }`,
});

describe('S-05 catastrophic sandbox failure', () => {
  const pool = poolForFile({ size: 1, testHooks: true, watchdogGraceMs: 300 });

  it('fails only the runs in flight with sandbox_crashed when the worker aborts, then replaces it', async () => {
    const pid = (await pool.run(request(crashy, 'crashy/ok'))).stats.workerPid;
    let releaseOther: (value: unknown) => void = () => undefined;
    let otherCalled = false;
    // Workspace B is mid-step on the same worker, waiting on its host.
    const other = pool.run(
      request(crashy, 'crashy/wait-for-host', {
        workspaceId: 'ws-b',
        capabilities: ['kv'],
        onCapabilityCall: () => {
          otherCalled = true;
          return new Promise((resolve) => {
            releaseOther = resolve;
          });
        },
      }),
    );
    await eventually(() => otherCalled, 'workspace B to be mid-step');
    const aborted = await pool.run(
      request(crashy, 'crashy/abort', { workspaceId: 'ws-a', capabilities: ['kv', 'test'], onCapabilityCall: async () => null }),
    );
    expect(errorOf(aborted)).toEqual({ code: 'sandbox_crashed', message: 'sandbox worker crashed (signal SIGABRT) while running crashy' });
    expect(errorOf(await other).code).toBe('sandbox_crashed');
    releaseOther(null);

    const next = await pool.run(request(crashy, 'crashy/ok', { workspaceId: 'ws-b' }));
    expect(expectOk(next)).toEqual({ port: 'out' });
    expect(next.stats.workerPid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(pool.stats().workerCrashes).toBeGreaterThanOrEqual(1);
  });

  it('fails the step with sandbox_crashed when the worker is SIGKILLed from outside mid-step', async () => {
    const calls: CapabilityCall[] = [];
    const result = await pool.run(
      request(crashy, 'crashy/wait-for-host', {
        capabilities: ['kv'],
        onCapabilityCall: (call) => {
          calls.push(call);
          for (const pid of pool.workerPids()) process.kill(pid, 'SIGKILL');
          return new Promise(() => undefined);
        },
      }),
    );
    expect(errorOf(result)).toEqual({ code: 'sandbox_crashed', message: 'sandbox worker crashed (signal SIGKILL) while running crashy' });
    expect(calls).toHaveLength(1);
    expect(expectOk(await pool.run(request(crashy, 'crashy/ok')))).toEqual({ port: 'out' });
  });

  it('kills a worker that stops answering once the deadline and grace have passed', async () => {
    const result = await pool.run(
      request(crashy, 'crashy/hang', { capabilities: ['test'], limits: { timeoutMs: 200, memoryMb: 32 } }),
    );
    expect(errorOf(result)).toEqual({
      code: 'timeout',
      message: 'step exceeded its 200 ms time limit (limits.timeoutMs in plugin.json); the sandbox worker stopped answering and was restarted',
    });
    expect(isAlive(result.stats.workerPid)).toBe(false);
    expect(expectOk(await pool.run(request(crashy, 'crashy/ok')))).toEqual({ port: 'out' });
  });
});

describe('the host watchdog', () => {
  const pool = poolForFile({ size: 1, watchdogGraceMs: 300 });

  it('does not kill a worker that is busy with an earlier step within that step\'s limit', async () => {
    expectOk(await pool.run(request(crashy, 'crashy/ok')));
    const spinning = pool.run(request(crashy, 'crashy/spin', { workspaceId: 'ws-a', limits: { timeoutMs: 1_500, memoryMb: 32 } }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Queued behind the spin on the only worker, this step's own deadline and grace pass first.
    const queued = await pool.run(request(crashy, 'crashy/ok', { workspaceId: 'ws-b', limits: { timeoutMs: 200, memoryMb: 32 } }));
    expect(errorOf(queued)).toEqual({
      code: 'timeout',
      message: 'step exceeded its 200 ms time limit (limits.timeoutMs in plugin.json); it waited for a busy sandbox worker until its time ran out',
    });
    expect(errorOf(await spinning).code).toBe('timeout');
    expect(queued.stats.workerPid).toBe((await spinning).stats.workerPid);
    expect(pool.stats().workerCrashes).toBe(0);
    expect(expectOk(await pool.run(request(crashy, 'crashy/ok')))).toEqual({ port: 'out' });
  });
});

describe('test hooks', () => {
  const pool = poolForFile({ size: 1 });

  it('are absent unless the pool was created with testHooks, whatever the plugin declares', async () => {
    const first = await pool.run(request(crashy, 'crashy/abort', { capabilities: ['kv', 'test'], onCapabilityCall: async () => null }));
    expect(errorOf(first)).toMatchObject({ code: 'plugin_error', message: expect.stringContaining('TypeError') });
    const next = await pool.run(request(crashy, 'crashy/ok'));
    expect(next.stats.workerPid).toBe(first.stats.workerPid);
    expect(pool.stats().workerCrashes).toBe(0);
  });
});

describe('SandboxPool.close', () => {
  it('interrupts runs in flight, refuses new ones and leaves no worker behind', async () => {
    const pool = createSandboxPool({ size: 2 });
    let called = false;
    const pending = pool.run(
      request(crashy, 'crashy/wait-for-host', {
        capabilities: ['kv'],
        limits: { timeoutMs: 10_000, memoryMb: 32 },
        onCapabilityCall: () => {
          called = true;
          return new Promise(() => undefined);
        },
      }),
    );
    await eventually(() => called, 'the step to reach its host call');
    const pids = pool.workerPids();
    await pool.close();
    expect(errorOf(await pending).code).toBe('step_interrupted');
    expect(errorOf(await pool.run(request(crashy, 'crashy/ok'))).code).toBe('step_interrupted');
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
