import { RE2JS, type Matcher } from 're2js';
import { LruCache } from './lru-cache.js';

/**
 * jsonata's `evaluateRegex` builds `new RegexEngine(regexLiteral)` and then only sets `lastIndex`,
 * calls `exec(text)` and reads `[0]`, `[1..n]` and `index` of the result, exactly like a global
 * RegExp. RE2JS matches in time linear in the text, so `/(a+)+$/` cannot backtrack for ever.
 *
 * Differences from JavaScript's RegExp, inherited from RE2: no backreferences and no lookaround
 * (both refused by {@link explainUnsupportedRegex} when an expression is checked); `\s` is ASCII
 * whitespace only; `.` stops only at `\n`; counted repetition is capped at 1000.
 */

/** The result of {@link Re2RegexEngine.exec}: the shape of a RegExpExecArray that jsonata reads. */
export type Re2ExecResult = Array<string | undefined> & { 0: string; index: number; input: string };

const compiledPatterns = new LruCache<string, RE2JS>(1_000);

function toRe2Flags(flags: string): number {
  let re2Flags = 0;
  if (flags.includes('i')) re2Flags |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) re2Flags |= RE2JS.MULTILINE;
  if (flags.includes('s')) re2Flags |= RE2JS.DOTALL;
  return re2Flags;
}

/** Compiles a JavaScript-syntax pattern with RE2JS, once per (flags, source). Throws RE2JS errors. */
export function compileRe2(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  let pattern = compiledPatterns.get(key);
  if (pattern === undefined) {
    // translateRegExp would quietly turn `\k<name>` into the literal text `k<name>`.
    const unsupported = findUnsupportedFeature(source);
    if (unsupported !== undefined) throw new SyntaxError(`/${source}/ ${unsupported}; the linear-time regex engine (RE2) has no backreferences or lookaround`);
    try {
      pattern = RE2JS.compile(RE2JS.translateRegExp(source), toRe2Flags(flags));
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
      throw new SyntaxError(`/${source}/ is refused by the linear-time regex engine (RE2): ${reason}`);
    }
    compiledPatterns.set(key, pattern);
  }
  return pattern;
}

/** A RegExp look-alike over RE2JS, for `jsonata(source, { RegexEngine: Re2RegexEngine })`. */
export class Re2RegexEngine {
  /** Where the next `exec` starts; moved past each match, reset to 0 after a miss, like a `g` RegExp. */
  lastIndex = 0;
  readonly #pattern: RE2JS;
  #matcher: Matcher | undefined;
  #matcherInput: string | undefined;

  constructor(regex: RegExp | string, flags = '') {
    this.#pattern = typeof regex === 'string' ? compileRe2(regex, flags) : compileRe2(regex.source, regex.flags);
  }

  exec(input: string): Re2ExecResult | null {
    const text = String(input);
    if (this.lastIndex > text.length) {
      this.lastIndex = 0;
      return null;
    }
    // jsonata calls exec on the same string over and over while it walks the matches.
    if (this.#matcher === undefined || this.#matcherInput !== text) {
      this.#matcher = this.#pattern.matcher(text);
      this.#matcherInput = text;
    }
    const matcher = this.#matcher;
    if (!matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const match: Array<string | undefined> = [matcher.group(0) ?? ''];
    for (let group = 1; group <= matcher.groupCount(); group += 1) match.push(matcher.group(group) ?? undefined);
    this.lastIndex = matcher.end(0);
    return Object.assign(match, { 0: match[0] as string, index: matcher.start(0), input: text });
  }
}

/** Says why a regex literal cannot run on the linear-time engine, or returns undefined when it can. */
export function explainUnsupportedRegex(regex: RegExp): string | undefined {
  try {
    compileRe2(regex.source, regex.flags);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Finds lookaround and backreferences, which RE2 lacks, outside character classes. */
function findUnsupportedFeature(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i];
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `uses the backreference \\${next}`;
      if (!inClass && next === 'k' && source[i + 2] === '<') return 'uses a named backreference `\\k<...>`';
      i += 1;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(' && source[i + 1] === '?') {
      const kind = source.startsWith('(?=', i) || source.startsWith('(?!', i) ? 'lookahead' : undefined;
      const behind = source.startsWith('(?<=', i) || source.startsWith('(?<!', i) ? 'lookbehind' : undefined;
      const feature = kind ?? behind;
      if (feature !== undefined) return `uses a ${feature} \`${source.slice(i, i + (feature === 'lookahead' ? 3 : 4))}\``;
    }
  }
  return undefined;
}
