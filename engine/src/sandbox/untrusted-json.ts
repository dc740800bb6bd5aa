/**
 * JSON from a sandbox worker is untrusted: besides being malformed it can carry `"__proto__"` keys,
 * which `JSON.parse` turns into own properties that a later `Object.assign` or `for...in` copy on the
 * host would treat as a prototype. Such data never crosses the boundary.
 */
export function parseUntrustedJson(text: string): unknown {
  // The reviver is slow, so it only runs when the key could be there, escaped or not.
  if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (key: string, value: unknown) => {
    if (key === '__proto__') throw new SyntaxError('JSON data with a "__proto__" key does not cross the sandbox boundary');
    return value;
  });
}
