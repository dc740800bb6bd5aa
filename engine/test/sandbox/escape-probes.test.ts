import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workerLaunch } from '../../src/sandbox/worker-process.js';
import { bundle, expectOk, poolForFile, request } from './helpers.js';

const SECRET = `canary-${process.pid}-do-not-leak`;
process.env.NEXUSFLOW_TEST_SECRET = SECRET;
const pool = poolForFile({ size: 1 });

/** A table-driven plugin that tries the historical ways out of a sandbox (RELIABILITY.md §2). */
const probe = bundle(
  'probe',
  {
    'probe/all': `async function run(input, ctx) {
      const results = {};
      const probes = {
        process: () => typeof process,
        require: () => typeof require,
        globalModule: () => typeof globalThis.module,
        moduleObject: () => Object.keys(module).join(','),
        dynamicImport: () => import('node:fs').then(() => 'imported', (error) => 'rejected ' + error.constructor.name),
        functionConstructor: () => Function('return typeof process')(),
        constructorOfConstructor: () => ctx.constructor.constructor('return process')(),
        ctxMethodConstructor: () => typeof ctx.kv.get.constructor('return this')().process,
        errorConstructor: () => new Error('x').constructor.constructor('return typeof require')(),
        asyncFunctionConstructor: () => typeof Object.getPrototypeOf(async function () {}).constructor,
        eval: () => eval('typeof process'),
        Buffer: () => typeof Buffer,
        setTimeout: () => typeof setTimeout,
        setInterval: () => typeof setInterval,
        setImmediate: () => typeof setImmediate,
        queueMicrotask: () => typeof queueMicrotask,
        fetch: () => typeof fetch,
        XMLHttpRequest: () => typeof XMLHttpRequest,
        WebAssembly: () => typeof WebAssembly,
        SharedArrayBuffer: () => typeof SharedArrayBuffer,
        Atomics: () => typeof Atomics,
        performance: () => typeof performance,
        gc: () => typeof gc,
        Deno: () => typeof Deno,
        prepareStackTrace: () => { Error.prepareStackTrace = () => 'hooked'; return typeof Error.prepareStackTrace + ' ' + (new Error('x').stack === 'hooked'); },
        stackTraceLimit: () => { Error.stackTraceLimit = 0; return Error.stackTraceLimit; },
        stackFrames: () => /\\/work\\/|node_modules|file:|node:/.test(new Error('x').stack) ? 'host paths' : 'isolate only',
        runCaller: () => String(run.caller),
        callerChain: () => sloppyCallers(),
        hostCallName: () => typeof hostCall + ' ' + typeof complete + ' ' + typeof $0,
        nativesSyntax: () => eval('%GetOptimizationStatus(run)'),
        importMeta: () => eval('import.meta'),
        regexpStatics: () => { /s(e)cret/.exec('secret'); return typeof RegExp.$1 + ' ' + typeof RegExp.lastMatch; },
        globalFrozen: () => Object.isFrozen(globalThis) && Object.isFrozen(Object.prototype) && Object.isFrozen(Object.getPrototypeOf(function* () {}).prototype),
        ctxFrozen: () => Object.isFrozen(ctx) && Object.isFrozen(ctx.kv) && Object.isFrozen(ctx.kv.get),
        ctxShape: () => Object.keys(ctx).join(',') + ' | ' + Reflect.ownKeys(ctx.kv.get).join(','),
        extraGlobals: () => Object.getOwnPropertyNames(globalThis).filter((name) => !STANDARD.has(name)).join(','),
      };
      for (const [name, attempt] of Object.entries(probes)) {
        try { results[name] = String(await attempt()); }
        catch (error) { results[name] = 'threw ' + (error && error.constructor ? error.constructor.name : typeof error); }
      }
      return { output: results };
    }`,
    'probe/callers': `function callers() { return { output: walkCallers(callers) }; }`,
    'probe/timers': `() => ({ output: [typeof SharedArrayBuffer, typeof Atomics, typeof performance, typeof WebAssembly].join(',') })`,
  },
  {
    strict: false,
    prelude: `function walkCallers(start) {
      const names = [];
      let current = start;
      for (let i = 0; i < 10 && current; i += 1) {
        names.push(current.name || '(anonymous)');
        try { current = current.caller; } catch (error) { names.push('threw ' + error.constructor.name); break; }
      }
      return names.join(' <- ');
    }
    function sloppyCallers() { return walkCallers(sloppyCallers); }
    const STANDARD = new Set(['Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt', 'Infinity', 'NaN', 'undefined',
      'Boolean', 'String', 'Symbol', 'Date', 'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
      'SyntaxError', 'TypeError', 'URIError', 'globalThis', 'JSON', 'Math', 'Intl', 'ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array',
      'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array',
      'DataView', 'Map', 'BigInt', 'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect', 'WeakRef', 'decodeURI', 'decodeURIComponent',
      'encodeURI', 'encodeURIComponent', 'escape', 'unescape', 'eval', 'isFinite', 'isNaN']);`,
  },
);

describe('S-07 reaching the host', () => {
  it('finds every probe absent or harmless', async () => {
    const value = expectOk(await pool.run(request(probe, 'probe/all', { capabilities: ['kv'] })));
    expect(value.output).toEqual({
      process: 'undefined',
      require: 'undefined',
      globalModule: 'undefined',
      moduleObject: 'exports',
      dynamicImport: 'rejected Error',
      functionConstructor: 'undefined',
      constructorOfConstructor: 'threw ReferenceError',
      ctxMethodConstructor: 'undefined',
      errorConstructor: 'undefined',
      asyncFunctionConstructor: 'function',
      eval: 'undefined',
      Buffer: 'undefined',
      setTimeout: 'undefined',
      setInterval: 'undefined',
      setImmediate: 'undefined',
      queueMicrotask: 'undefined',
      fetch: 'undefined',
      XMLHttpRequest: 'undefined',
      WebAssembly: 'undefined',
      SharedArrayBuffer: 'undefined',
      Atomics: 'undefined',
      performance: 'undefined',
      gc: 'undefined',
      Deno: 'undefined',
      // Sloppy-mode writes to frozen built-ins are silently ignored; strict ones throw (S-08).
      prepareStackTrace: 'undefined false',
      stackTraceLimit: '10',
      stackFrames: 'isolate only',
      runCaller: 'threw TypeError',
      // Arrow functions refuse .caller; the sloppy chain ends inside plugin code.
      callerChain: 'sloppyCallers <- callerChain <- threw TypeError',
      hostCallName: 'undefined undefined undefined',
      nativesSyntax: 'threw SyntaxError',
      importMeta: 'threw SyntaxError',
      regexpStatics: 'undefined undefined',
      globalFrozen: 'true',
      ctxFrozen: 'true',
      ctxShape: 'llm,memory,billing,channel,kv,deploy,secrets,http | length,name',
      // V8's own console; with no inspector attached it goes nowhere.
      extraGlobals: 'console',
    });
    expect(JSON.stringify(value)).not.toContain(SECRET);
  });

  it('ends a caller chain at the plugin function the sandbox called (the bootstrap is strict)', async () => {
    const value = expectOk(await pool.run(request(probe, 'probe/callers')));
    expect(value.output).toBe('callers');
  });

  it('starts workers without the host environment', async () => {
    const result = await pool.run(request(probe, 'probe/timers'));
    const environ = `/proc/${result.stats.workerPid}/environ`;
    if (!existsSync(environ)) return;
    const names = readFileSync(environ, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => entry.slice(0, entry.indexOf('=')));
    expect(names.filter((name) => !name.startsWith('NEXUSFLOW_SANDBOX_') && !name.startsWith('NODE_CHANNEL_'))).toEqual([]);
    expect(readFileSync(environ, 'utf8')).not.toContain(SECRET);
  });
});

describe('S-19 debug surfaces off', () => {
  it('starts workers with explicit flags and no inspector, whatever the host was started with', () => {
    const { execArgv } = workerLaunch();
    expect(execArgv[0]).toBe('--no-node-snapshot');
    expect(execArgv.filter((arg) => arg.includes('inspect') || arg.includes('debug'))).toEqual([]);
  });
});

describe('S-16 timers and high-resolution time', () => {
  it('offers no shared memory, no Atomics, no performance clock and no WebAssembly', async () => {
    const value = expectOk(await pool.run(request(probe, 'probe/timers')));
    expect(value.output).toBe('undefined,undefined,undefined,undefined');
  });
});
