/** Node and edge ids: they become XState state keys, so `.`, `#` and `\` are not allowed. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const MAX_ID_LENGTH = 64;

/** `core/billing-check` → `billing-check`; anything outside `[A-Za-z0-9_-]` becomes `-`. */
export function typeSuffix(type: string): string {
  const last = type.slice(type.lastIndexOf('/') + 1);
  const clean = last.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return clean === '' ? 'node' : clean;
}

/**
 * A fresh id `<prefix>-<n>`: n is one more than the highest n already used with that prefix, so a
 * deleted node's id is not handed out again while later ones exist. Fits `ID_PATTERN`.
 *
 * @example
 * nextId('reply', new Set(['reply-1', 'reply-3'])); // 'reply-4'
 */
export function nextId(prefix: string, taken: ReadonlySet<string>): string {
  let n = 1;
  const escaped = prefix.replace(/[-]/g, '\\-');
  const own = new RegExp(`^${escaped}-(\\d{1,9})$`);
  for (const id of taken) {
    const match = own.exec(id);
    if (match?.[1] !== undefined) n = Math.max(n, Number(match[1]) + 1);
  }
  for (;;) {
    const suffix = `-${n}`;
    const id = `${prefix.slice(0, MAX_ID_LENGTH - suffix.length)}${suffix}`;
    if (!taken.has(id)) return id;
    n += 1;
  }
}

/** A fresh node id for a node of `type`, e.g. `reply-2` for `core/reply`. */
export function nextNodeId(type: string, taken: ReadonlySet<string>): string {
  return nextId(typeSuffix(type), taken);
}

/** A fresh edge id `e<n>` (the style of the example flows). */
export function nextEdgeId(taken: ReadonlySet<string>): string {
  let n = 1;
  for (const id of taken) {
    const match = /^e(\d{1,9})$/.exec(id);
    if (match?.[1] !== undefined) n = Math.max(n, Number(match[1]) + 1);
  }
  while (taken.has(`e${n}`)) n += 1;
  return `e${n}`;
}

/** Whether `id` can be a node id. */
export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The plugin a node type belongs to: the part before `/` (`acme` for `acme/mood`). */
export function pluginOf(type: string): string {
  const slash = type.indexOf('/');
  return slash === -1 ? type : type.slice(0, slash);
}
