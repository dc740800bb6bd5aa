/** Longest `pattern` (or `patternProperties` key) a plugin's config schema may hold. */
export const MAX_PATTERN_LENGTH = 200;

interface Group {
  /** A variable repetition (`*`, `+`, `{n,}`, `{n,m}` with m > n and m > 1) occurs inside. */
  repeatsInside: boolean;
  /** First character of each finished alternative; `null` when it is not one known literal. */
  firsts: (string | null)[];
  /** First character of the alternative being read; `undefined` until its first atom. */
  first: string | null | undefined;
}

interface Atom {
  group: Group | undefined;
  first: string | null;
}

/**
 * Why a regular expression from an untrusted schema could backtrack catastrophically, or
 * `undefined` when it passes. ajv runs `pattern` with the JavaScript engine, which backtracks, so
 * a pattern like `(a+)+$` can hang the process on a 30-character string.
 *
 * This is a small, conservative star-height check, not a full ambiguity analysis. It refuses:
 * - a repeated group that contains a variable repetition: `(a+)+`, `(a*)*`, `(\w+\s?)*`,
 *   `(a{1,9}){2}` (a fixed count like `b{2}` inside is fine; so is `?`);
 * - a repeated group with alternatives that may start with the same character: `(a|a)*`,
 *   `(a|ab)+`, `(\d|\w)*` (alternatives must start with distinct literal characters);
 * - backreferences (`\1`, `\k<name>`), which no linear engine supports either.
 * It accepts polynomial cases such as `a*a*` or `.*x.*`; `maxLength` on the value bounds those.
 * It also refuses some safe patterns, such as `^([a-z0-9]+-)*[a-z0-9]+$`; write those without the
 * nested repetition (`^[a-z0-9][a-z0-9-]*$`) or check the value in the plugin's code.
 *
 * @example
 * findRegexHazard('(a+)+$'); // 'it repeats a group that itself contains a repetition ...'
 * findRegexHazard('^[a-z][a-z0-9-]*$'); // undefined
 */
export function findRegexHazard(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `it is ${source.length} characters long (max ${MAX_PATTERN_LENGTH})`;
  try {
    new RegExp(source, 'u');
  } catch (error) {
    return `it is not a valid regular expression (${(error as Error).message})`;
  }
  return scan(source);
}

function scan(source: string): string | undefined {
  const stack: Group[] = [newGroup()];
  let i = 0;
  while (i < source.length) {
    const char = source[i] as string;
    const top = stack.at(-1) as Group;
    if (char === '|') {
      top.firsts.push(top.first ?? null);
      top.first = undefined;
      i++;
      continue;
    }
    if (char === '^' || char === '$') {
      i++;
      continue;
    }
    if (char === '(') {
      stack.push(newGroup());
      i = skipGroupPrefix(source, i + 1);
      continue;
    }
    let atom: Atom;
    if (char === ')') {
      const group = stack.pop() as Group;
      group.firsts.push(group.first ?? null);
      atom = { group, first: group.firsts.length === 1 ? (group.firsts[0] as string | null) : null };
      i++;
    } else if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) return 'it uses a backreference';
      atom = { group: undefined, first: /[dDwWsSbBpPux]/.test(next) ? null : next };
      i = skipEscape(source, i + 1);
    } else if (char === '[') {
      atom = { group: undefined, first: null };
      i = skipClass(source, i + 1);
    } else {
      atom = { group: undefined, first: char === '.' ? null : char };
      i++;
    }
    const quantifier = readQuantifier(source, i);
    i += quantifier.length;
    const hazard = applyAtom(stack.at(-1) as Group, atom, quantifier);
    if (hazard !== undefined) return hazard;
  }
  return undefined;
}

function applyAtom(parent: Group, atom: Atom, quantifier: Quantifier): string | undefined {
  const group = atom.group;
  if (quantifier.repeats && group !== undefined) {
    if (group.repeatsInside) {
      return 'it repeats a group that itself contains a repetition (like (a+)+), which can take exponential time; rewrite it without nested quantifiers';
    }
    const firsts = group.firsts;
    if (firsts.length > 1 && (firsts.includes(null) || new Set(firsts).size !== firsts.length)) {
      return 'it repeats alternatives that can match the same text (like (a|a)*), which can take exponential time; make each alternative start with a different character';
    }
  }
  if (quantifier.variable || group?.repeatsInside === true) parent.repeatsInside = true;
  if (parent.first === undefined) parent.first = quantifier.optional ? null : atom.first;
  return undefined;
}

interface Quantifier {
  length: number;
  /** May match its atom more than once. */
  repeats: boolean;
  /** Repeats a varying number of times, which is what makes backtracking branch. */
  variable: boolean;
  optional: boolean;
}

function readQuantifier(source: string, at: number): Quantifier {
  const char = source[at];
  let quantifier: Quantifier = { length: 0, repeats: false, variable: false, optional: false };
  if (char === '*') quantifier = { length: 1, repeats: true, variable: true, optional: true };
  else if (char === '+') quantifier = { length: 1, repeats: true, variable: true, optional: false };
  else if (char === '?') quantifier = { length: 1, repeats: false, variable: false, optional: true };
  else if (char === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at, at + 24));
    if (match !== null) {
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      quantifier = { length: match[0].length, repeats: max > 1, variable: max > 1 && max > min, optional: min === 0 };
    }
  }
  // A lazy quantifier (`*?`) backtracks just the same.
  if (quantifier.length > 0 && source[at + quantifier.length] === '?') quantifier.length++;
  return quantifier;
}

function newGroup(): Group {
  return { repeatsInside: false, firsts: [], first: undefined };
}

/** Skips `?:`, `?=`, `?!`, `?<=`, `?<!` and `?<name>` after an opening parenthesis. */
function skipGroupPrefix(source: string, at: number): number {
  if (source[at] !== '?') return at;
  if (source[at + 1] === '<' && source[at + 2] !== '=' && source[at + 2] !== '!') return after(source, '>', at);
  return at + (source[at + 1] === '<' ? 3 : 2);
}

/** Skips the escape starting at `at` (just after the backslash), including `\p{...}` and `\u{...}`. */
function skipEscape(source: string, at: number): number {
  const kind = source[at];
  if ((kind === 'p' || kind === 'P' || kind === 'u') && source[at + 1] === '{') return after(source, '}', at);
  if (kind === 'u') return at + 5;
  if (kind === 'x') return at + 3;
  if (kind === 'c') return at + 2;
  return at + 1;
}

/** Skips a character class starting just after its `[`. */
function skipClass(source: string, at: number): number {
  let i = at;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Index just after the next `char`; the source already compiled, so it is there. */
function after(source: string, char: string, from: number): number {
  const index = source.indexOf(char, from);
  return index === -1 ? source.length : index + 1;
}
