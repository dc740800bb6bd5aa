/**
 * Escapes one key for use as a JSON pointer segment (RFC 6901).
 *
 * @example
 * escapePointerSegment('a/b~c'); // 'a~1b~0c'
 */
export function escapePointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Adds one key to a JSON pointer, escaping it.
 *
 * @example
 * appendPointer('/nodes/2/config', 'a/b'); // '/nodes/2/config/a~1b'
 */
export function appendPointer(pointer: string, key: string | number): string {
  return `${pointer}/${escapePointerSegment(key)}`;
}

/** True when `pointer` is `parent` or lies below it. */
export function isWithinPointer(pointer: string, parent: string): boolean {
  return parent === '' || pointer === parent || pointer.startsWith(`${parent}/`);
}
