/** A JSON column's text for `value`; `null` for undefined, so an optional field stays absent. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** The value of a JSON column, `undefined` for NULL. */
export function fromJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

/** Copies `value` into `target[key]` unless it is null/undefined (optional fields are left out, not `undefined`). */
export function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null | undefined): void {
  if (value !== null && value !== undefined) target[key] = value;
}
