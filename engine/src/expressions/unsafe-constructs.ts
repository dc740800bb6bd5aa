import { explainUnsupportedRegex } from './re2-regex-engine.js';

/** Something in an expression that must not run on the host, and where it is. */
export interface UnsafeConstruct {
  position: number | undefined;
  /** Completes "the expression ...", e.g. "has a regular expression at position 9 that cannot run: ...". */
  description: string;
}

interface AstRecord {
  type?: unknown;
  value?: unknown;
  position?: unknown;
  signature?: { definition?: unknown };
}

function describe(node: AstRecord): UnsafeConstruct | undefined {
  const position = typeof node.position === 'number' ? node.position : undefined;
  const at = position === undefined ? '' : ` at position ${position}`;
  if (node.type === 'regex' && node.value instanceof RegExp) {
    const problem = explainUnsupportedRegex(node.value);
    return problem === undefined ? undefined : { position, description: `has a regular expression${at} that cannot run: ${problem}` };
  }
  if (node.type === 'lambda' && node.signature !== undefined) {
    // jsonata checks arguments against a RegExp built from the signature; with `+` or `?` in it, a
    // call with many arguments backtracks for hours, beyond the reach of the evaluation hooks.
    const signature = String(node.signature.definition);
    return {
      position,
      description: `declares the function signature ${signature}${at}; remove it, signatures are not supported because jsonata checks them with a backtracking regular expression`,
    };
  }
  return undefined;
}

/**
 * The first construct (by position) that an expression must not run: a regex literal the
 * linear-time engine refuses, or a function signature. Iterative, and each AST object visited once.
 */
export function findUnsafeConstruct(ast: unknown): UnsafeConstruct | undefined {
  let first: UnsafeConstruct | undefined;
  const seen = new Set<object>();
  const pending: unknown[] = [ast];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null || seen.has(node) || node instanceof RegExp) continue;
    seen.add(node);
    const found = describe(node as AstRecord);
    if (found !== undefined && (first === undefined || (found.position ?? Infinity) < (first.position ?? Infinity))) first = found;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push(child);
  }
  return first;
}
