import { mayHoldTemplate } from './template-syntax.js';

/** Where a string sits in a config value: the keys and indexes from the root. */
export type ConfigPath = ReadonlyArray<string | number>;

/** A config string that holds `{{`, with its place. */
export interface TemplateSite {
  path: ConfigPath;
  text: string;
}

/** A linked path: deep configs cost one small object per level, not a copied array. */
interface Step {
  parent: Step | undefined;
  key: string | number;
}

function toPath(step: Step | undefined): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at = step; at !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * Every string in a config value that may hold a template, in document order. Keys in `skipKeys`
 * are skipped at the top level only (raw code fields). Iterative and cycle-safe, so a hostile
 * 10,000-level value cannot overflow the stack.
 */
export function findTemplateSites(value: unknown, skipKeys: readonly string[] = []): TemplateSite[] {
  const sites: TemplateSite[] = [];
  const seen = new Set<object>();
  const pending: Array<[node: unknown, at: Step | undefined]> = [[value, undefined]];
  while (pending.length > 0) {
    const [node, at] = pending.pop() as [unknown, Step | undefined];
    if (typeof node === 'string') {
      if (mayHoldTemplate(node)) sites.push({ path: toPath(at), text: node });
      continue;
    }
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    const children: Array<[unknown, Step]> = Array.isArray(node)
      ? node.map((item, index) => [item, { parent: at, key: index }])
      : Object.keys(node)
          .filter((key) => at !== undefined || !skipKeys.includes(key))
          .map((key) => [(node as Record<string, unknown>)[key], { parent: at, key }]);
    // Reversed, so that popping visits them in document order.
    for (let i = children.length - 1; i >= 0; i -= 1) pending.push(children[i] as [unknown, Step]);
  }
  return sites;
}

/** Appends a path to a JSON pointer, escaping `~` and `/` as RFC 6901 says. */
export function toPointer(base: string, path: ConfigPath): string {
  return base + path.map((key) => `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
