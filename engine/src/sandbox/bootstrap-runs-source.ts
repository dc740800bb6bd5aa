/**
 * Part of the isolate bootstrap (see bootstrap-source.ts): one step's life inside the isolate. A fresh
 * module scope and a fresh frozen `ctx` per run; capability calls go out through `hostCall` and come
 * back through `deliver`; the run ends through `complete`, which revokes its `ctx`.
 */
export const RUNS_SOURCE = String.raw`
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
