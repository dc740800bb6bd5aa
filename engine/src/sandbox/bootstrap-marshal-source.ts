/**
 * Part of the isolate bootstrap (see bootstrap-source.ts): what crosses out of the isolate. Thrown
 * values become `{ name, message, code? }` without running plugin getters; results are checked and
 * serialized here, before anything is copied (S-13, S-15).
 */
export const MARSHAL_SOURCE = String.raw`
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
`;
