import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedPlugin } from '@nexusflow/engine';
import { runNode } from '@nexusflow/engine/testing';
import { loadCorePlugin } from '../../src/index.js';

let core: LoadedPlugin;
beforeAll(async () => {
  core = await loadCorePlugin();
});

const run = (code: string, extra: { input?: unknown; vars?: Record<string, unknown>; message?: { text: string } } = {}) => {
  const { input, ...rest } = extra;
  return runNode({ plugin: core, type: 'core/code', config: input === undefined ? { code } : { code, input }, ...rest });
};

describe('core/code (real isolate)', () => {
  it('compiles with the isolate Function constructor and returns output and vars', async () => {
    const result = await run('const n = input.total * 2;\nreturn { output: { n, text: message.text }, vars: { doubled: n, seen: vars.count + 1 } };', {
      input: '{{ vars.order }}',
      vars: { order: { total: 21 }, count: 1 },
      message: { text: 'hi' },
    });
    expect(result).toEqual({ port: 'out', output: { n: 42, text: 'hi' }, vars: { doubled: 42, seen: 2 } });
  });

  it('takes the alt port', async () => {
    expect(await run("return { port: 'alt' };")).toEqual({ port: 'alt' });
  });

  it('treats a plain value as the output, and no return as out with nothing', async () => {
    expect(await run('return [1, 2, 3];')).toEqual({ port: 'out', output: [1, 2, 3] });
    expect(await run('return { total: 3 };')).toEqual({ port: 'out', output: { total: 3 } });
    expect(await run('const x = 1;')).toEqual({ port: 'out' });
  });

  it('supports await', async () => {
    expect(await run('const v = await Promise.resolve(5);\nreturn v + 1; // trailing comment')).toEqual({ port: 'out', output: 6 });
  });

  it('never templates the code', async () => {
    const result = await run("return '{{ vars.secret }}';", { vars: { secret: 'leaked' } });
    expect(result.output).toBe('{{ vars.secret }}');
  });

  it('a syntax error fails the step with a clear message', async () => {
    await expect(run('return {;')).rejects.toMatchObject({ code: 'plugin_error', message: expect.stringMatching(/core\/code: the code does not compile \(SyntaxError/) });
  });

  it('a thrown error goes to the error port with its message', async () => {
    await expect(run("throw new Error('card declined');")).rejects.toMatchObject({ code: 'plugin_error', message: expect.stringContaining('card declined') });
  });

  it('an unknown port is refused with the ports it has', async () => {
    await expect(run("return { port: 'third' };")).rejects.toMatchObject({ message: expect.stringContaining('"out" and "alt"') });
  });

  it('cannot reach ctx, the node module or host objects', async () => {
    const result = await run('return { output: [typeof ctx, typeof compileUserCode, typeof require, typeof process, typeof fetch] };');
    expect(result.output).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
  });

  it('an infinite loop ends with timeout', { timeout: 30_000 }, async () => {
    await expect(run('while (true) {}')).rejects.toMatchObject({ code: 'timeout' });
    // The pool recovers: the next run works.
    expect(await run('return 1;')).toEqual({ port: 'out', output: 1 });
  });
});
