/** The user's function: the body of an async function with `input`, `vars`, `message`, `contact` in scope. */
export type UserFunction = (input: unknown, vars: Record<string, unknown>, message: unknown, contact: unknown) => Promise<unknown>;

/**
 * Compiles the user's code with the isolate's own `Function` constructor. The sandbox freezes the
 * realm's intrinsics but keeps code generation, so this is the same as a plugin defining a function:
 * the code gets the global scope of this run's fresh context, and not this module's locals (a
 * `Function` body never closes over its caller), so it cannot reach `ctx` or the node's internals.
 * Wrapping in an async arrow gives `await`, and `return` ends the user's code.
 */
export function compileUserCode(code: string): UserFunction {
  let compiled: unknown;
  try {
    // The body is wrapped in its own async function so that the user's `return` returns from it;
    // the newline before `})` keeps a trailing `// comment` from swallowing the closing brace.
    compiled = new Function('input', 'vars', 'message', 'contact', `'use strict';\nreturn (async () => {\n${code}\n})();`);
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`core/code: the code does not compile (${detail})`);
  }
  return compiled as UserFunction;
}
