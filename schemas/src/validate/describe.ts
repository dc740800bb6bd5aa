const MAX_SHOWN_CHARS = 60;

/** Keeps messages short when a pointer or value is huge (a 10,000-character id, a deep path). */
export function shorten(text: string, max = MAX_SHOWN_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** A value as it appears in a message: JSON for short values, its kind for big ones. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length <= MAX_SHOWN_CHARS
      ? JSON.stringify(value)
      : `${JSON.stringify(value.slice(0, MAX_SHOWN_CHARS))}… (${value.length} characters)`;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** `describeTypes(['string', 'null'])` is `a string or null`. */
export function describeTypes(types: readonly string[]): string {
  const names = [...new Set(types)].map((t) => TYPE_NAMES[t] ?? t);
  if (names.length <= 1) return names[0] ?? 'valid';
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1) as string}`;
}

/** ajv gives a keyword's `type` as a string, an array, or a comma-joined string. */
export function typesOf(type: unknown): string[] {
  return (Array.isArray(type) ? type : String(type).split(',')).map(String);
}

/** A long JSON pointer with its middle left out, for messages (the issue keeps the full one). */
export function shortenPointer(pointer: string, max = 160): string {
  if (pointer.length <= max) return pointer;
  const head = pointer.slice(0, Math.floor(max / 2));
  const tail = pointer.slice(pointer.length - Math.floor(max / 2));
  return `${head.slice(0, head.lastIndexOf('/'))}/…${tail.slice(tail.indexOf('/'))}`;
}
