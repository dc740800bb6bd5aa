type Container = Record<string, unknown> | unknown[];
interface CopyState {
  pending: Array<[source: object, target: Container]>;
  /** Copies made so far: a value reached twice is copied once, and a cycle cannot loop for ever. */
  copies: Map<object, Container>;
}

/**
 * Copies an evaluation result into plain JSON-shaped data. jsonata returns arrays tagged as
 * sequences, objects without a prototype, and function values whose closures hold its environment;
 * none of that should leak into a node's config or a session. Functions become what JSON.stringify
 * makes of them: dropped from objects, `null` in arrays, `undefined` on their own. Iterative, so a
 * deep value cannot overflow the stack. Also the deep copy of a config value.
 */
export function toPlainData(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return isFunctionValue(value) ? undefined : value;
  const state: CopyState = { pending: [], copies: new Map() };
  const root = copyChild(value, state, undefined);
  while (state.pending.length > 0) {
    const [source, target] = state.pending.pop() as [object, Container];
    if (Array.isArray(target)) {
      for (const item of source as unknown[]) target.push(copyChild(item, state, null));
      continue;
    }
    for (const key of Object.keys(source)) {
      const child = copyChild((source as Record<string, unknown>)[key], state, undefined);
      // defineProperty, so a key named `__proto__` stays an own data property.
      if (child !== undefined) Object.defineProperty(target, key, { value: child, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

function copyChild(child: unknown, state: CopyState, functionStandIn: null | undefined): unknown {
  if (isFunctionValue(child)) return functionStandIn;
  if (typeof child !== 'object' || child === null) return child;
  let copy = state.copies.get(child);
  if (copy === undefined) {
    copy = Array.isArray(child) ? [] : {};
    state.copies.set(child, copy);
    state.pending.push([child, copy]);
  }
  return copy;
}

/** Native functions, and jsonata's lambda and built-in function objects. */
function isFunctionValue(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null) return false;
  const tagged = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return tagged._jsonata_lambda === true || tagged._jsonata_function === true;
}
