/**
 * Part of the isolate bootstrap (see bootstrap-source.ts): captures the intrinsics the bootstrap uses,
 * removes shared memory and cross-run state, tames the override mistake, compiles the bundle into a
 * CommonJS factory and deep-freezes every intrinsic, the global object and the factory.
 */
export const REALM_SOURCE = String.raw`
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
`;
