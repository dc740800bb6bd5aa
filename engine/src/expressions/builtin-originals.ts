import jsonata from 'jsonata';

/** A jsonata built-in as jsonata stores it. */
export interface JsonataFunction {
  implementation: (this: jsonata.Focus, ...args: unknown[]) => unknown;
}

const originals = new Map<string, Promise<JsonataFunction>>();

/** jsonata does not export its built-ins; evaluating `$name` hands one over. */
export function originalFunction(name: string): Promise<JsonataFunction> {
  let found = originals.get(name);
  if (found === undefined) {
    found = jsonata(`$${name}`).evaluate(undefined) as Promise<JsonataFunction>;
    originals.set(name, found);
  }
  return found;
}

/** Calls jsonata's own `$name` with the caller's focus, as jsonata would have. */
export async function callOriginal(name: string, focus: jsonata.Focus, args: unknown[]): Promise<unknown> {
  return (await originalFunction(name)).implementation.apply(focus, args);
}
