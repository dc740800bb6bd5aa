const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Problem with a `vars` patch returned by a node, or undefined when it can be merged. */
export function checkVarsPatch(patch: unknown): string | undefined {
  if (patch === undefined) return undefined;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return 'vars must be an object of variable names to values';
  }
  for (const key of Object.keys(patch)) {
    if (RESERVED_KEYS.has(key)) return `vars key "${key}" is reserved; use another variable name`;
  }
  return undefined;
}

/**
 * Returns a new vars object with the patch applied. Keys are defined, not assigned, so a key such
 * as `__proto__` in parsed JSON could never reach a prototype even if a caller skipped the check.
 */
export function mergeVars(vars: Record<string, unknown>, patch: Record<string, unknown> | undefined): Record<string, unknown> {
  if (patch === undefined) return vars;
  const merged: Record<string, unknown> = { ...vars };
  for (const [key, value] of Object.entries(patch)) {
    if (RESERVED_KEYS.has(key)) continue;
    Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}
