import { describe, expect, it } from 'vitest';
import { bundle, errorOf, expectOk, poolForFile, request } from './helpers.js';

/** Every place one run could try to leave data for the next one. */
const PLACES = `[
  ['globalThis.stash', () => { globalThis.stash = SECRET; }, () => globalThis.stash],
  ['defineProperty(globalThis)', () => { Object.defineProperty(globalThis, 'stash2', { value: SECRET }); }, () => globalThis.stash2],
  ['Object.prototype', () => { Object.prototype.leak = SECRET; }, () => ({}).leak],
  ['Array.prototype', () => { Array.prototype.leak = SECRET; }, () => [].leak],
  ['Function.prototype', () => { Function.prototype.leak = SECRET; }, () => (function () {}).leak],
  ['JSON', () => { JSON.leak = SECRET; }, () => JSON.leak],
  ['Math', () => { Math.leak = SECRET; }, () => Math.leak],
  ['Error', () => { Error.leak = SECRET; }, () => Error.leak],
  ['Promise', () => { Promise.leak = SECRET; }, () => Promise.leak],
  ['Intl', () => { Intl.leak = SECRET; }, () => Intl.leak],
  ['generator prototype', () => { Object.getPrototypeOf(function* () {}).prototype.leak = SECRET; }, () => Object.getPrototypeOf(function* () {}).prototype.leak],
  ['async function prototype', () => { Object.getPrototypeOf(async function () {}).leak = SECRET; }, () => Object.getPrototypeOf(async function () {}).leak],
  ['iterator prototype', () => { Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())).leak = SECRET; }, () => Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())).leak],
  ['RegExp legacy statics', () => { /secret-(\\w+)/.exec(SECRET); }, () => RegExp.$1 || RegExp.lastMatch],
  ['module-level let', () => { moduleStash = SECRET; }, () => moduleStash],
]`;

const leaky = bundle(
  'leaky',
  {
    'leaky/plant': `(input) => {
      SECRET = input.secret;
      const planted = [];
      for (const [name, plant] of ${PLACES}) { try { plant(); planted.push(name); } catch (error) { /* refused */ } }
      return { output: planted };
    }`,
    'leaky/read': `() => {
      const found = {};
      for (const [name, , read] of ${PLACES}) { try { const value = read(); if (value !== undefined && value !== '') found[name] = value; } catch (error) { /* absent */ } }
      return { output: found };
    }`,
  },
  { prelude: 'let SECRET; let moduleStash;' },
);

const sloppyLeaky = bundle(
  'sloppy-leaky',
  {
    'sloppy-leaky/plant': `function (input) { stash = input.secret; factoryOf().leak = input.secret; return { output: typeof stash }; }`,
    'sloppy-leaky/read': `function () { return { output: { stash: typeof stash === 'undefined' ? null : stash, onFactory: factoryOf().leak === undefined ? null : factoryOf().leak } }; }`,
  },
  { strict: false, prelude: 'var factory = arguments.callee; function factoryOf() { return factory; }' },
);

describe('S-17 leakage between runs', () => {
  const pool = poolForFile({ size: 1 });

  it("shows one run's globals and prototype changes to no later run, in another workspace or the same one", async () => {
    const planted = await pool.run(request(leaky, 'leaky/plant', { workspaceId: 'ws-a', input: { secret: 'secret-of-a' } }));
    // Strict code gets a TypeError for each frozen target. A regex match and module-level state do not
    // throw, but the legacy RegExp statics are deleted and the module scope is new each run.
    expect(expectOk(planted).output).toEqual(['RegExp legacy statics', 'module-level let']);

    const otherWorkspace = await pool.run(request(leaky, 'leaky/read', { workspaceId: 'ws-b' }));
    expect(expectOk(otherWorkspace).output).toEqual({});
    const sameWorkspace = await pool.run(request(leaky, 'leaky/read', { workspaceId: 'ws-a' }));
    expect(expectOk(sameWorkspace).output).toEqual({});
    expect(new Set([planted, otherWorkspace, sameWorkspace].map((r) => r.stats.workerPid)).size).toBe(1);
  });

  it('ignores sloppy-mode global writes and writes on the shared module factory', async () => {
    const planted = await pool.run(request(sloppyLeaky, 'sloppy-leaky/plant', { workspaceId: 'ws-a', input: { secret: 'secret-of-a' } }));
    expect(expectOk(planted).output).toBe('undefined');
    for (const workspaceId of ['ws-b', 'ws-a']) {
      const read = await pool.run(request(sloppyLeaky, 'sloppy-leaky/read', { workspaceId }));
      expect(expectOk(read).output).toEqual({ stash: null, onFactory: null });
    }
  });
});

describe('the frozen realm', () => {
  const pool = poolForFile({ size: 1 });
  const walker = bundle('walker', {
    'walker/unfrozen': `() => {
      const roots = [['globalThis', globalThis], ['generator', function* () {}], ['async', async function () {}],
        ['asyncGenerator', async function* () {}], // A generator object's own prototype is its function's fresh .prototype; the intrinsic is one up.
        ['asyncGeneratorObject', Object.getPrototypeOf((async function* () {})())], ['generatorObject', Object.getPrototypeOf((function* () {})())],
        ['arrayIterator', [][Symbol.iterator]()], ['mapIterator', new Map().keys()], ['setIterator', new Set().entries()],
        ['stringIterator', ''[Symbol.iterator]()], ['regexpStringIterator', 'a'.matchAll(/a/g)], ['promise', Promise.resolve()],
        ['segments', new Intl.Segmenter().segment('a')], ['segmentIterator', new Intl.Segmenter().segment('a')[Symbol.iterator]()],
        ['error', new TypeError('x')], ['typedArray', new Uint8Array(1)], ['sloppyArguments', (function () { return arguments; })()]];
      const seen = new Set();
      const unfrozen = [];
      const stack = roots.map(([name, value]) => [name, Object.getPrototypeOf(value)]).concat([['globalThis', globalThis]]);
      while (stack.length > 0) {
        const [path, value] = stack.pop();
        if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
        seen.add(value);
        if (!Object.isFrozen(value)) unfrozen.push(path);
        stack.push([path + '.__proto__', Object.getPrototypeOf(value)]);
        for (const key of Reflect.ownKeys(value)) {
          const desc = Object.getOwnPropertyDescriptor(value, key);
          const name = path + '.' + String(key);
          if ('value' in desc) stack.push([name, desc.value]);
          else stack.push([name + '<get>', desc.get], [name + '<set>', desc.set]);
        }
      }
      return { output: { unfrozen, checked: seen.size } };
    }`,
  });

  it('leaves no reachable intrinsic unfrozen, hidden ones included', async () => {
    const output = expectOk(await pool.run(request(walker, 'walker/unfrozen'))).output as { unfrozen: string[]; checked: number };
    expect(output.unfrozen).toEqual([]);
    expect(output.checked).toBeGreaterThan(700);
  });
});

describe('S-18 noisy neighbour', () => {
  const pool = poolForFile({ size: 2, maxConcurrentPerWorkspace: 2, maxQueuedPerWorkspace: 2 });
  const busy = bundle('busy', {
    'busy/cpu': `() => { const until = Date.now() + 30; while (Date.now() < until) {} return { port: 'out' }; }`,
    'busy/chat': `(input) => ({ port: 'out', output: input.turn })`,
  });

  it("refuses one workspace's flood with sandbox_busy beyond its limit while another workspace's steps all complete", async () => {
    const flood = Array.from({ length: 40 }, () => pool.run(request(busy, 'busy/cpu', { workspaceId: 'ws-flood' })));
    const chat: unknown[] = [];
    for (let turn = 0; turn < 10; turn += 1) {
      chat.push(expectOk(await pool.run(request(busy, 'busy/chat', { workspaceId: 'ws-chat', input: { turn } }))).output);
    }
    expect(chat).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const results = await Promise.all(flood);
    const refused = results.filter((r) => !r.ok);
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    expect(refused).toHaveLength(36);
    for (const result of refused) {
      expect(errorOf(result)).toMatchObject({ code: 'sandbox_busy', message: expect.stringContaining('workspace ws-flood already has 2 steps running') });
      expect(result.stats.workerPid).toBe(0);
    }
  });
});
