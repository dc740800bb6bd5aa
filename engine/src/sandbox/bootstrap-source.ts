/**
 * JavaScript that runs once in every plugin isolate, before any plugin code, through
 * `context.evalClosureSync(BOOTSTRAP_SOURCE, [hostCall, complete, bundle, configJson])`.
 *
 * It captures the intrinsics it needs, compiles the bundle into a CommonJS factory, removes shared
 * memory, timers-by-another-name and legacy RegExp statics, tames the override mistake, then deep-freezes
 * every intrinsic and the global object. Each run calls the factory again (a fresh module scope) and
 * gets a fresh frozen `ctx`, so nothing one run writes is visible to the next (S-17).
 *
 * It returns `{ start, deliver, listTypes }`, which only the worker holds (as References). `hostCall`
 * and `complete` live in this closure and nowhere else: plugin code can reach neither
 * (RELIABILITY.md §1.3; the Screeps and Fly anti-patterns put such handles on the global).
 *
 * Only strings and numbers cross in either direction.
 *   hostCall(runId, callId, namespace, method, argsJson) -> undefined (accepted) or "<code>: <message>"
 *   complete(runId, kind, payload)   kind: ok | thrown | invalid_output | output_not_serializable |
 *                                          output_too_large | unknown_node_type | plugin_error
 *
 * Kept as a string (not a function's `toString()`) so no TypeScript or bundler transform can inject
 * helpers into it.
 */
export const BOOTSTRAP_SOURCE = String.raw`'use strict';
const hostCall = $0;
const complete = $1;
const bundleSource = $2;
const config = JSON.parse($3);

const G = globalThis;
const ObjectPrototype = Object.prototype;
const ArrayPrototype = Array.prototype;
const DatePrototype = Date.prototype;
const FunctionCtor = Function;
const PromiseCtor = Promise;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const MapCtor = Map;
const SetCtor = Set;
const WeakSetCtor = WeakSet;
const apply = Reflect.apply;
const ownKeys = Reflect.ownKeys;
const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const getPrototypeOf = Reflect.getPrototypeOf;
const defineProperty = Object.defineProperty;
const freeze = Object.freeze;
const hasOwn = Object.hasOwn;
const isArray = Array.isArray;
const numberIsFinite = Number.isFinite;
const jsonParse = JSON.parse;
const jsonStringify = JSON.stringify;
const promiseThen = Promise.prototype.then;
const promiseReject = Promise.reject;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;
const mapClear = Map.prototype.clear;
const setHas = Set.prototype.has;
const setAdd = Set.prototype.add;
const setDelete = Set.prototype.delete;
const weakSetHas = WeakSet.prototype.has;
const weakSetAdd = WeakSet.prototype.add;
const arrayJoin = Array.prototype.join;
const arrayPush = Array.prototype.push;
const arrayPop = Array.prototype.pop;
const stringSlice = String.prototype.slice;
const stringIndexOf = String.prototype.indexOf;
const stringSplit = String.prototype.split;
const dateToISOString = Date.prototype.toISOString;
const StringCtor = String;

const MAX_OUTPUT_CHARS = config.maxOutputChars;
const MAX_MESSAGE_CHARS = config.maxMessageChars;
const MAX_DEPTH = config.maxDepth;
const PLUGIN = config.pluginName;
const METHODS = config.methods;

// No shared memory, no high-resolution timer, no callbacks outside a step's own turns
// (FinalizationRegistry, WebAssembly compile tasks), no cross-run RegExp match history.
for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'FinalizationRegistry', 'performance']) {
  delete G[name];
}
for (const name of ['input', '$_', 'lastMatch', '$&', 'lastParen', '$+', 'leftContext', '$' + '\u0060', 'rightContext', "$'",
  '$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9']) {
  delete RegExp[name];
}

// Override mistake: once prototypes are frozen, 'this.name = x' on an Error subclass or
// 'Foo.prototype.toString = f' would fail. These accessors let assignment create an own property.
const tamedGetters = new WeakSetCtor();
function tame(proto, keys) {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const desc = getOwnPropertyDescriptor(proto, key);
    if (desc === undefined || !hasOwn(desc, 'value')) continue;
    const value = desc.value;
    const get = function () { return value; };
    const set = function (next) {
      if (this === proto) throw new TypeErrorCtor('Cannot assign to ' + StringCtor(key) + ' of a shared built-in prototype; built-ins are frozen in the sandbox');
      defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true });
    };
    apply(weakSetAdd, tamedGetters, [get]);
    defineProperty(proto, key, { get, set, enumerable: desc.enumerable, configurable: false });
  }
}
const objectPrototypeKeys = [];
for (const key of ownKeys(ObjectPrototype)) if (key !== '__proto__') apply(arrayPush, objectPrototypeKeys, [key]);
tame(ObjectPrototype, objectPrototypeKeys);
tame(Function.prototype, ['constructor', 'toString']);
tame(Error.prototype, ['constructor', 'name', 'message', 'toString']);
for (const E of [EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError]) {
  tame(E.prototype, ['constructor', 'name', 'message']);
}
tame(DatePrototype, ['toJSON', 'toString']);
// Array.prototype.constructor and Promise.prototype.constructor/then stay data properties: turning
// them into accessors would switch off V8's species and promise fast paths for every run.

let factory;
let loadError;
try {
  factory = new FunctionCtor('module', 'exports', bundleSource);
} catch (error) {
  loadError = PLUGIN + ': the bundle does not compile: ' + describeThrownText(error);
}

// Intrinsics no global property names: reach them through instances and prototypes.
const hiddenRoots = [
  getPrototypeOf(function* () {}),
  getPrototypeOf(async function () {}),
  getPrototypeOf(async function* () {}),
  getPrototypeOf([][Symbol.iterator]()),
  getPrototypeOf(new Map().entries()),
  getPrototypeOf(new Set().values()),
  getPrototypeOf(''[Symbol.iterator]()),
  getPrototypeOf('a'.matchAll(/a/g)),
  getPrototypeOf(Int8Array),
  getPrototypeOf((function () { return arguments; })()),
];
if (typeof Intl === 'object' && typeof Intl.Segmenter === 'function') {
  const segments = new Intl.Segmenter().segment('a');
  apply(arrayPush, hiddenRoots, [getPrototypeOf(segments), getPrototypeOf(segments[Symbol.iterator]())]);
}

function harden(roots) {
  const seen = new SetCtor();
  const stack = roots;
  while (stack.length > 0) {
    const value = apply(arrayPop, stack, []);
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
    if (apply(setHas, seen, [value])) continue;
    apply(setAdd, seen, [value]);
    freeze(value);
    apply(arrayPush, stack, [getPrototypeOf(value)]);
    for (const key of ownKeys(value)) {
      const desc = getOwnPropertyDescriptor(value, key);
      if (hasOwn(desc, 'value')) apply(arrayPush, stack, [desc.value]);
      else apply(arrayPush, stack, [desc.get, desc.set]);
    }
  }
  return seen.size;
}
const frozenCount = harden([G, factory, ...hiddenRoots]);
if (!Object.isFrozen(G) || !Object.isFrozen(ObjectPrototype)) throw new ErrorCtor('sandbox bootstrap could not freeze the realm');

function truncate(text, max) {
  return text.length > max ? apply(stringSlice, text, [0, max]) + '...' : text;
}

// Reads a string property of something thrown without running plugin getters or toString.
function readString(target, key) {
  let current = target;
  for (let depth = 0; depth < 16 && current !== null && current !== undefined; depth++) {
    let desc;
    try { desc = getOwnPropertyDescriptor(current, key); } catch { return undefined; }
    if (desc !== undefined) {
      if (hasOwn(desc, 'value')) return typeof desc.value === 'string' ? desc.value : undefined;
      if (desc.get !== undefined && apply(weakSetHas, tamedGetters, [desc.get])) {
        const value = apply(desc.get, target, []);
        return typeof value === 'string' ? value : undefined;
      }
      return undefined;
    }
    try { current = getPrototypeOf(current); } catch { return undefined; }
  }
  return undefined;
}

function describeThrown(error) {
  let name = 'Error';
  let message;
  let code;
  const type = typeof error;
  if ((type === 'object' && error !== null) || type === 'function') {
    const ownName = readString(error, 'name');
    if (ownName !== undefined) name = ownName;
    const ownMessage = readString(error, 'message');
    message = ownMessage !== undefined ? ownMessage : '(the thrown value has no string message)';
    code = readString(error, 'code');
  } else if (type === 'symbol') {
    message = '(a Symbol was thrown)';
  } else {
    message = StringCtor(error);
  }
  const info = { name: truncate(name, 100), message: truncate(message, MAX_MESSAGE_CHARS) };
  if (code !== undefined) info.code = truncate(code, 100);
  return info;
}

function describeThrownText(error) {
  const info = describeThrown(error);
  return info.name + ': ' + info.message;
}

function bridgeError(message, code) {
  const error = new ErrorCtor(message);
  const colon = apply(stringIndexOf, message, [':']);
  const errorCode = code !== undefined ? code : colon > 0 ? apply(stringSlice, message, [0, colon]) : 'capability_failed';
  defineProperty(error, 'code', { value: errorCode, writable: true, enumerable: true, configurable: true });
  return error;
}

function rejected(message) {
  return apply(promiseReject, PromiseCtor, [bridgeError(message)]);
}

const runs = new MapCtor();

function makeCall(runId, state, namespace, method) {
  const label = 'ctx.' + namespace + '.' + method;
  return freeze((...args) => {
    if (state.ended) {
      return rejected('capability_failed: ' + label + ' was called after the step ended; capability calls only work while run() is running');
    }
    let argsJson;
    try { argsJson = jsonStringify(args); } catch (error) {
      return rejected('capability_failed: the arguments of ' + label + ' are not JSON data (' + describeThrownText(error) + ')');
    }
    if (argsJson.length > state.maxArgChars) {
      return rejected('capability_limit: the arguments of ' + label + ' are larger than ' + state.maxArgChars + ' bytes (maxArgBytes)');
    }
    state.nextCallId += 1;
    const callId = state.nextCallId;
    let waiter;
    const promise = new PromiseCtor((resolve, reject) => { waiter = { resolve, reject }; });
    const refusal = hostCall(runId, callId, namespace, method, argsJson);
    if (refusal !== undefined) return rejected(refusal);
    apply(mapSet, state.pending, [callId, waiter]);
    return promise;
  });
}

function makeUndeclared(namespace, method) {
  const capability = namespace === 'http' ? 'http:<host>' : namespace;
  const message = 'capability_not_declared: ' + namespace + ' (ctx.' + namespace + '.' + method + ' needs "' + capability +
    '" in the node\'s "capabilities" list in plugin.json)';
  return freeze(() => rejected(message));
}

const undeclaredNamespaces = {};
for (const namespace of ownKeys(METHODS)) {
  const api = {};
  for (const method of METHODS[namespace]) defineProperty(api, method, { value: makeUndeclared(namespace, method), enumerable: true });
  undeclaredNamespaces[namespace] = freeze(api);
}

const declaredCache = new MapCtor();
function declaredSet(text) {
  let set = apply(mapGet, declaredCache, [text]);
  if (set === undefined) {
    set = new SetCtor(text === '' ? [] : apply(stringSplit, text, [',']));
    if (declaredCache.size > 64) apply(mapClear, declaredCache, []);
    apply(mapSet, declaredCache, [text, set]);
  }
  return set;
}

function buildCtx(runId, state, declared) {
  const ctx = {};
  for (const namespace of ownKeys(METHODS)) {
    let api = undeclaredNamespaces[namespace];
    if (apply(setHas, declared, [namespace])) {
      api = {};
      for (const method of METHODS[namespace]) defineProperty(api, method, { value: makeCall(runId, state, namespace, method), enumerable: true });
      freeze(api);
    }
    defineProperty(ctx, namespace, { value: api, enumerable: true });
  }
  return freeze(ctx);
}

function loadPluginTable() {
  const module = { exports: {} };
  apply(factory, module.exports, [module, module.exports]);
  const exported = module.exports;
  const plugin = exported !== null && exported !== undefined && exported.default !== undefined && exported.default !== null
    ? exported.default : exported;
  if (plugin === null || (typeof plugin !== 'object' && typeof plugin !== 'function')) return undefined;
  const nodes = plugin.nodes;
  return nodes !== null && typeof nodes === 'object' ? nodes : plugin;
}

function isNode(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.run === 'function';
}

function nodeTypesOf(table) {
  const types = [];
  for (const key of ownKeys(table)) {
    if (typeof key === 'string' && isNode(table[key])) apply(arrayPush, types, [key]);
  }
  return types;
}

function findNode(nodeType) {
  const table = loadPluginTable();
  if (table === undefined) return PLUGIN + ' exports no plugin object; export default definePlugin({ nodes: { ... } })';
  if (hasOwn(table, nodeType) && isNode(table[nodeType])) return table[nodeType];
  const slash = apply(stringIndexOf, nodeType, ['/']);
  const shortName = slash >= 0 ? apply(stringSlice, nodeType, [slash + 1]) : nodeType;
  if (hasOwn(table, shortName) && isNode(table[shortName])) return table[shortName];
  return PLUGIN + ' does not export node type "' + nodeType + '" (it exports: ' + (apply(arrayJoin, nodeTypesOf(table), [', ']) || 'nothing') + ')';
}

// Result checks happen here, before anything is copied out (S-13).
const STOP = freeze({});
function serializeResult(value) {
  if (value === undefined) return ['ok', '{}'];
  if (value === null || typeof value !== 'object') {
    return ['invalid_output', PLUGIN + ': run() must return an object like { port, output, vars }, not ' + (value === null ? 'null' : typeof value)];
  }
  const parts = [];
  const path = [];
  const ancestors = new SetCtor();
  let size = 0;
  let failure;
  function push(text) {
    size += text.length;
    if (size > MAX_OUTPUT_CHARS) { failure = ['output_too_large', '']; throw STOP; }
    parts[parts.length] = text;
  }
  function where() {
    let text = 'result';
    for (let i = 0; i < path.length; i++) text += typeof path[i] === 'number' ? '[' + path[i] + ']' : '.' + path[i];
    return text;
  }
  function refuse(reason) {
    failure = ['output_not_serializable', PLUGIN + ': ' + where() + ' ' + reason + '; steps return plain JSON data (objects, arrays, strings, numbers, booleans, null)'];
    throw STOP;
  }
  function write(item, depth) {
    switch (typeof item) {
      case 'string':
        if (size + item.length > MAX_OUTPUT_CHARS) { failure = ['output_too_large', '']; throw STOP; }
        push(jsonStringify(item));
        return;
      case 'number': push(numberIsFinite(item) ? jsonStringify(item) : 'null'); return;
      case 'boolean': push(item ? 'true' : 'false'); return;
      case 'undefined': push('null'); return;
      case 'bigint': refuse('is a BigInt'); return;
      case 'symbol': refuse('is a Symbol'); return;
      case 'function': refuse('is a function'); return;
    }
    if (item === null) { push('null'); return; }
    if (depth >= MAX_DEPTH) refuse('is nested deeper than ' + MAX_DEPTH + ' levels');
    if (apply(setHas, ancestors, [item])) refuse('contains a cycle');
    apply(setAdd, ancestors, [item]);
    if (isArray(item)) {
      if (getPrototypeOf(item) !== ArrayPrototype) refuse('is not a plain array');
      const length = item.length;
      push('[');
      for (let i = 0; i < length; i++) {
        if (i > 0) push(',');
        path[path.length] = i;
        write(item[i], depth + 1);
        path.length -= 1;
      }
      push(']');
    } else {
      const proto = getPrototypeOf(item);
      if (proto === DatePrototype) {
        push(jsonStringify(apply(dateToISOString, item, [])));
      } else if (proto !== ObjectPrototype && proto !== null) {
        refuse('is not a plain object (class instances, Map, Set and typed arrays do not cross the boundary)');
      } else {
        push('{');
        let first = true;
        for (const key of ownKeys(item)) {
          if (typeof key !== 'string') continue;
          const desc = getOwnPropertyDescriptor(item, key);
          if (desc === undefined || !desc.enumerable) continue;
          path[path.length] = key;
          if (!hasOwn(desc, 'value')) refuse('is a getter');
          if (desc.value !== undefined) {
            push((first ? '' : ',') + jsonStringify(key) + ':');
            first = false;
            write(desc.value, depth + 1);
          }
          path.length -= 1;
        }
        push('}');
      }
    }
    apply(setDelete, ancestors, [item]);
  }
  try {
    const port = value.port;
    const output = value.output;
    const vars = value.vars;
    if (port !== undefined && typeof port !== 'string') {
      return ['invalid_output', PLUGIN + ': result.port must be a string naming an output port'];
    }
    if (vars !== undefined && (vars === null || typeof vars !== 'object' || isArray(vars))) {
      return ['invalid_output', PLUGIN + ': result.vars must be an object of variables'];
    }
    push('{');
    let first = true;
    if (port !== undefined) { push('"port":'); path[0] = 'port'; write(port, 1); first = false; }
    if (output !== undefined) { push(first ? '"output":' : ',"output":'); path[0] = 'output'; write(output, 1); first = false; }
    if (vars !== undefined) { push(first ? '"vars":' : ',"vars":'); path[0] = 'vars'; write(vars, 1); }
    path.length = 0;
    push('}');
    return ['ok', apply(arrayJoin, parts, [''])];
  } catch (error) {
    if (error === STOP) return failure;
    return ['output_not_serializable', PLUGIN + ': reading the result threw ' + describeThrownText(error)];
  }
}

function start(runId, nodeType, inputJson, declaredText, maxArgChars) {
  const state = { ended: false, pending: new MapCtor(), nextCallId: 0, maxArgChars };
  apply(mapSet, runs, [runId, state]);
  function end() {
    state.ended = true;
    apply(mapDelete, runs, [runId]);
  }
  function succeed(value) {
    if (state.ended) return;
    end();
    const result = serializeResult(value);
    complete(runId, result[0], result[1]);
  }
  function fail(error) {
    if (state.ended) return;
    end();
    complete(runId, 'thrown', jsonStringify(describeThrown(error)));
  }
  try {
    if (loadError !== undefined) { end(); complete(runId, 'plugin_error', loadError); return; }
    const node = findNode(nodeType);
    if (typeof node === 'string') { end(); complete(runId, 'unknown_node_type', node); return; }
    const input = jsonParse(inputJson);
    const ctx = buildCtx(runId, state, declaredSet(declaredText));
    const result = apply(node.run, node, [input, ctx]);
    if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
      const then = result.then;
      if (typeof then === 'function') {
        apply(then, result, [succeed, fail]);
        return;
      }
    }
    // A plain return ends the step (and revokes ctx) before any detached microtask runs.
    succeed(result);
  } catch (error) {
    fail(error);
  }
}

function deliver(runId, callId, ok, payload, code) {
  const state = apply(mapGet, runs, [runId]);
  if (state === undefined) return;
  const waiter = apply(mapGet, state.pending, [callId]);
  if (waiter === undefined) return;
  apply(mapDelete, state.pending, [callId]);
  if (!ok) { waiter.reject(bridgeError(payload, code)); return; }
  let value;
  try { value = payload === undefined ? undefined : jsonParse(payload); } catch (error) {
    waiter.reject(bridgeError('capability_failed: the host answered with data that is not JSON'));
    return;
  }
  waiter.resolve(value);
}

function listTypes() {
  if (loadError !== undefined) return jsonStringify({ error: loadError });
  try {
    const table = loadPluginTable();
    if (table === undefined) return jsonStringify({ error: PLUGIN + ' exports no plugin object; export default definePlugin({ nodes: { ... } })' });
    return jsonStringify({ types: nodeTypesOf(table) });
  } catch (error) {
    return jsonStringify({ error: PLUGIN + ': loading the bundle threw ' + describeThrownText(error) });
  }
}

return { start, deliver, listTypes, frozenCount };
`;

/** Methods `ctx` offers per capability namespace (DESIGN.md, Plugins). */
export const CAPABILITY_METHODS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  llm: ['chat'],
  memory: ['history', 'append'],
  billing: ['balance', 'check'],
  channel: ['send'],
  kv: ['get', 'set', 'delete'],
  deploy: ['publish'],
  secrets: ['get'],
  http: ['fetch'],
});

/** Extra namespace a worker offers only when the pool was created with `testHooks: true`. */
export const TEST_HOOK_METHODS: readonly string[] = ['abort', 'hang'];
