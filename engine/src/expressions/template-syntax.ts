/**
 * Template syntax in config strings.
 *
 * - `{{ expression }}` is replaced by the value of the JSONata expression.
 * - The template ends at the first `}}` outside the expression's strings, backquoted names,
 *   comments, regex literals and `{...}` constructors, so `{{ {"a": {"b": 1}} }}` works.
 * - `\{{` stands for a literal `{{` (the backslash is dropped). In JSON that is written `"\\{{"`.
 *   A literal backslash right before a template has no spelling; put it inside the expression:
 *   `{{ "\\" & vars.path }}`.
 */

/** One piece of a config string: literal text, or an expression to evaluate. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expression'; source: string; offset: number };

export type ParsedTemplate =
  | { ok: true; parts: TemplatePart[] }
  | { ok: false; problem: 'unterminated' | 'empty'; offset: number };

/** Cheap test for the hot path: most config strings hold no template at all. */
export function mayHoldTemplate(text: string): boolean {
  return text.includes('{{');
}

/** Splits a string into text and expressions. An unterminated `{{` or an empty `{{ }}` is a problem. */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let literal = '';
  let from = 0;
  for (let open = text.indexOf('{{', from); open !== -1; open = text.indexOf('{{', from)) {
    if (open > 0 && text[open - 1] === '\\') {
      literal += `${text.slice(from, open - 1)}{{`;
      from = open + 2;
      continue;
    }
    const close = findExpressionEnd(text, open + 2);
    if (close === undefined) return { ok: false, problem: 'unterminated', offset: open };
    const source = text.slice(open + 2, close);
    if (source.trim() === '') return { ok: false, problem: 'empty', offset: open };
    literal += text.slice(from, open);
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
    parts.push({ kind: 'expression', source: source.trim(), offset: open });
    from = close + 2;
  }
  literal += text.slice(from);
  if (literal !== '') parts.push({ kind: 'text', text: literal });
  return { ok: true, parts };
}

/** A character after which `/` divides; anywhere else it starts a regex literal, as in jsonata's lexer. */
function endsValue(char: string): boolean {
  return /[\w$)\]}"'`]/.test(char);
}

/** Index of the `}}` that closes the expression starting at `start`, or undefined. */
function findExpressionEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let previous = '';
  for (let i = start; i < text.length; i += 1) {
    const char = text[i] as string;
    if (/\s/.test(char)) continue;
    let next: number | undefined = i;
    if (char === '"' || char === "'") next = skipQuoted(text, i, char);
    else if (char === '`') next = text.indexOf('`', i + 1);
    else if (char === '/' && text[i + 1] === '*') next = skipComment(text, i);
    else if (char === '/' && !endsValue(previous)) next = skipRegex(text, i);
    else if (char === '{') depth += 1;
    else if (char === '}' && depth > 0) depth -= 1;
    else if (char === '}' && text[i + 1] === '}') return i;
    if (next === undefined || next === -1) return undefined;
    const isComment = char === '/' && text[i + 1] === '*';
    i = next;
    // A comment changes nothing; a regex literal is a value, like `)`.
    if (!isComment) previous = char === '/' ? ')' : char;
  }
  return undefined;
}

function skipQuoted(text: string, start: number, quote: string): number | undefined {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === quote) return i;
  }
  return undefined;
}

function skipComment(text: string, start: number): number | undefined {
  const end = text.indexOf('*/', start + 2);
  return end === -1 ? undefined : end + 1;
}

/** jsonata's own rule: the closing `/` is unescaped and outside `(...)`, `[...]` and `{...}`. */
function skipRegex(text: string, start: number): number | undefined {
  let depth = 0;
  for (let i = start + 1; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\\') i += 1;
    else if (char === '(' || char === '[' || char === '{') depth += 1;
    else if (char === ')' || char === ']' || char === '}') depth -= 1;
    else if (char === '/' && depth === 0) return i;
  }
  return undefined;
}
