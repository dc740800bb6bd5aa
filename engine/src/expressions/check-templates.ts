import type { ValidationIssue } from '@nexusflow/schemas';
import { checkExpression } from './compile-expression.js';
import { findTemplateSites, toPointer } from './template-sites.js';
import { parseTemplate } from './template-syntax.js';

function checkSite(text: string, pointer: string): ValidationIssue[] {
  const parsed = parseTemplate(text);
  if (!parsed.ok && parsed.problem === 'unterminated') {
    return [
      {
        code: 'template_unterminated',
        pointer,
        message: `the template opened with {{ at character ${parsed.offset} is never closed with }}; write \\{{ for a literal {{`,
      },
    ];
  }
  if (!parsed.ok) {
    return [{ code: 'expression_invalid', pointer, message: `the template at character ${parsed.offset} is empty; put an expression between {{ and }}` }];
  }
  const issues: ValidationIssue[] = [];
  for (const part of parsed.parts) {
    if (part.kind !== 'expression') continue;
    const problem = checkExpression(part.source);
    if (problem !== undefined) issues.push({ code: 'expression_invalid', pointer, message: problem });
  }
  return issues;
}

/**
 * Checks every template in a config value without running it: syntax, unsupported regexes, and
 * unterminated `{{`. Each issue carries the pointer of its string.
 *
 * @param pointer JSON pointer of the value itself, e.g. `/nodes/3/config`
 * @param skipKeys top-level keys whose values are not templates (raw code fields)
 * @example
 * checkTemplates({ text: 'Hi {{ $foo( }}' }, '/nodes/3/config');
 * // [{ code: 'expression_invalid', pointer: '/nodes/3/config/text', message: '`$foo(` is not valid JSONata: ...' }]
 */
export function checkTemplates(value: unknown, pointer: string, skipKeys?: readonly string[]): ValidationIssue[] {
  return findTemplateSites(value, skipKeys).flatMap((site) => checkSite(site.text, toPointer(pointer, site.path)));
}
