import { MAX_NESTING_DEPTH, RESERVED_KEYS } from '../types/flow.js';
import type { ValidationIssue } from '../types/issues.js';
import { shortenPointer } from './describe.js';
import { escapePointerSegment } from './json-pointer.js';

/** Limits and scope of `prescanJson`. */
export interface PrescanOptions {
  /** Deepest allowed value, in JSON pointer segments below the scanned value (default 64). */
  maxDepth?: number;
  /** Pointer of the scanned value inside its document (default `''`). */
  basePointer?: string;
  /** Values not to look into, because another check already reported them. */
  skip?: ReadonlySet<unknown>;
}

/** One value waiting to be looked at; the parent chain builds its pointer only when needed. */
interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string | number | undefined;
}

/** A pathological input could yield millions of issues; nobody reads past the first thousand. */
const MAX_ISSUES = 1000;
const RESERVED = new Set(RESERVED_KEYS);

/**
 * Looks at every value of a document before ajv does, without recursion (a 10,000-deep value must
 * not overflow the stack here or later): nesting deeper than `maxDepth`, reserved keys and values
 * JSON cannot hold. Objects reached twice are looked at again only from a deeper place, so shared
 * references cannot make the walk exponential.
 *
 * @example
 * prescanJson(JSON.parse('{"__proto__": {}}'));
 * // [{ code: 'reserved_key', pointer: '/__proto__', message: '"__proto__" is a reserved key ...' }]
 */
export function prescanJson(value: unknown, options: PrescanOptions = {}): ValidationIssue[] {
  const maxDepth = options.maxDepth ?? MAX_NESTING_DEPTH;
  const base = options.basePointer ?? '';
  const skip = options.skip;
  const issues: ValidationIssue[] = [];
  const report = (visit: Visit, code: string, message: (pointer: string) => string): void => {
    if (issues.length >= MAX_ISSUES) return;
    const pointer = base + pointerOf(visit);
    issues.push({ code, pointer, message: message(pointer) });
  };
  const exploredAt = new Map<object, number>();
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: undefined }];

  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const visit = stack.pop() as Visit;
    const current = visit.value;
    const problem = notJsonReason(current, visit.parent === undefined || Array.isArray(visit.parent.value));
    if (problem !== undefined) {
      report(visit, 'not_json', () => problem);
      continue;
    }
    if (typeof current !== 'object' || current === null || skip?.has(current)) continue;

    const seenDepth = exploredAt.get(current);
    if (seenDepth !== undefined) {
      const ancestor = findAncestor(visit, current);
      if (ancestor !== undefined) {
        const at = base + pointerOf(ancestor);
        report(visit, 'not_json', () => `circular reference to ${shortenPointer(at || '/')}; JSON cannot hold a value that contains itself`);
        continue;
      }
      if (seenDepth >= visit.depth) continue;
    }
    exploredAt.set(current, visit.depth);

    const keys: (string | number)[] = Array.isArray(current) ? [...current.keys()] : Object.keys(current);
    if (keys.length === 0) continue;
    if (visit.depth + 1 > maxDepth) {
      const first: Visit = { value: undefined, depth: visit.depth + 1, parent: visit, key: keys[0] };
      report(first, 'nesting_too_deep', (pointer) =>
        `nesting deeper than ${maxDepth} levels at ${shortenPointer(pointer)}; flatten this value (or store deep data as a JSON string)`,
      );
      continue;
    }
    // Pushed in reverse so issues come out in document order.
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string | number;
      const child: Visit = { value: (current as Record<string | number, unknown>)[key], depth: visit.depth + 1, parent: visit, key };
      if (typeof key === 'string' && RESERVED.has(key)) {
        report(child, 'reserved_key', () =>
          `"${key}" is a reserved key: code that copies objects can reach prototypes through it, so it is refused anywhere in a document; rename it`,
        );
      }
      if (child.value === undefined && typeof key === 'string') continue; // JSON drops undefined properties
      stack.push(child);
    }
  }
  return issues;
}

/** Why a value cannot be JSON, or undefined when it can (containers are checked by the walk). */
function notJsonReason(value: unknown, inArray: boolean): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${String(value)} is not a JSON value; use a finite number or null`;
    case 'undefined':
      return inArray ? 'undefined is not a JSON value; use null' : undefined;
    case 'bigint':
      return 'a bigint is not a JSON value; use a number or a string';
    case 'function':
    case 'symbol':
      return `a ${typeof value} is not a JSON value; remove it`;
    default:
      return value === null || isPlainContainer(value as object)
        ? undefined
        : `a ${Object.prototype.toString.call(value).slice(8, -1)} object is not a JSON value; use plain objects, arrays, strings, numbers, booleans or null`;
  }
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return true;
  // A plain object from another realm (an iframe, a vm context).
  return Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]';
}

function findAncestor(visit: Visit, target: object): Visit | undefined {
  for (let at = visit.parent; at !== undefined; at = at.parent) if (at.value === target) return at;
  return undefined;
}

function pointerOf(visit: Visit): string {
  const segments: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) segments.push(escapePointerSegment(at.key));
  return segments.length === 0 ? '' : `/${segments.reverse().join('/')}`;
}
