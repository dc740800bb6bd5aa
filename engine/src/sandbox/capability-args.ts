/**
 * Parses capability arguments from a sandbox worker. Besides being malformed they can carry
 * `"__proto__"` keys, which `JSON.parse` turns into own properties that a provider's later
 * `Object.assign` would treat as a prototype; such arguments never reach a provider. (Step results
 * keep JSON semantics: the session layer validates vars and owns that message.)
 */
export function parseCapabilityArgs(text: string): unknown {
  // The reviver is slow, so it only runs when the key could be there, escaped or not.
  if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (key: string, value: unknown) => {
    if (key === '__proto__') throw new SyntaxError('JSON data with a "__proto__" key does not cross the sandbox boundary');
    return value;
  });
}
