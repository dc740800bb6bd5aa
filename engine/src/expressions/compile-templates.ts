import { NexusError } from '../errors.js';
import { compileOrFail, evaluateUnderBudget, type ExpressionScope, type SourcedExpression } from './evaluate-expression.js';
import { EvaluationBudget } from './evaluation-budget.js';
import { resolveLimits, type EvaluationLimits } from './expression-limits.js';
import { findTemplateSites, toPointer, type ConfigPath } from './template-sites.js';
import { parseTemplate, type TemplatePart } from './template-syntax.js';
import { toPlainData } from './to-plain-data.js';

/**
 * Renders a config value: a new value with every template replaced and everything else copied.
 * One deadline covers the whole render; `limits` overrides the defaults as in evaluateExpression.
 */
export type TemplateRenderer = (scope: ExpressionScope, limits?: Partial<EvaluationLimits>) => Promise<unknown>;

type CompiledPart = { kind: 'text'; text: string } | ({ kind: 'expression' } & SourcedExpression);

/** A templated string, ready to render, or the error it will raise (the value was never checked). */
type CompiledSite =
  | { path: ConfigPath; ok: true; wholeValue: boolean; parts: CompiledPart[] }
  | { path: ConfigPath; ok: false; error: NexusError };

function compileSite(path: ConfigPath, text: string): CompiledSite {
  const pointer = toPointer('', path);
  const parsed = parseTemplate(text);
  if (!parsed.ok) {
    const where = pointer === '' ? 'the value' : pointer;
    const message = `the template at character ${parsed.offset} of ${where} is ${parsed.problem === 'empty' ? 'empty' : 'never closed with }}'}`;
    return { path, ok: false, error: new NexusError('expression_failed', message, { pointer }) };
  }
  try {
    const wholeValue = isWholeValue(parsed.parts);
    // A whole-value template drops the whitespace around it.
    const kept = wholeValue ? parsed.parts.filter((part) => part.kind === 'expression') : parsed.parts;
    const parts = kept.map((part): CompiledPart =>
      part.kind === 'text' ? part : { kind: 'expression', source: part.source, expression: compileOrFail(part.source) },
    );
    return { path, ok: true, wholeValue, parts };
  } catch (error) {
    return { path, ok: false, error: withPointer(error, pointer) };
  }
}

/** One template and at most whitespace around it: the string stands for the value itself. */
function isWholeValue(parts: TemplatePart[]): boolean {
  const expressions = parts.filter((part) => part.kind === 'expression');
  return expressions.length === 1 && parts.every((part) => part.kind === 'expression' || part.text.trim() === '');
}

function withPointer(error: unknown, pointer: string): NexusError {
  if (!(error instanceof NexusError)) return new NexusError('expression_failed', String(error), { pointer, cause: error });
  return new NexusError(error.code, `${error.message} (at ${pointer})`, { pointer, cause: error.cause });
}

/** How a value reads inside text: JSON for objects and arrays, nothing for null and undefined. */
function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function renderSite(site: CompiledSite, scope: ExpressionScope, budget: EvaluationBudget): Promise<unknown> {
  if (!site.ok) throw site.error;
  const pointer = toPointer('', site.path);
  const values: unknown[] = [];
  for (const part of site.parts) {
    if (part.kind === 'text') {
      values.push(part.text);
      continue;
    }
    try {
      values.push(await evaluateUnderBudget(part, scope, budget));
    } catch (error) {
      throw withPointer(error, pointer);
    }
  }
  if (site.wholeValue) return values[0];
  return values.map(toText).join('');
}

/** Writes a rendered value into the copy; defineProperty keeps a `__proto__` key an own property. */
function setAt(root: unknown, path: ConfigPath, value: unknown): void {
  let container = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) container = container[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(container)) container[last as number] = value;
  else Object.defineProperty(container, last, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Precompiles every template in a config value (objects and arrays are walked, iteratively).
 *
 * A string that is exactly one template, whitespace around allowed, renders to the raw value
 * (`"{{ vars.count }}"` gives a number). Any other string concatenates: strings as they are, numbers
 * and booleans through String, null and undefined as nothing, objects and arrays as JSON. `\{{`
 * stands for a literal `{{`.
 *
 * @param skipKeys top-level keys whose values are copied untouched (raw code fields)
 * @returns a renderer, or undefined when the value holds no template (most nodes)
 * @example
 * const render = compileTemplates({ text: 'Hi {{ vars.name }}!', count: '{{ vars.n }}' });
 * await render?.({ vars: { name: 'Ada', n: 2 } }); // { text: 'Hi Ada!', count: 2 }
 */
export function compileTemplates(value: unknown, skipKeys?: readonly string[]): TemplateRenderer | undefined {
  const sites = findTemplateSites(value, skipKeys).map((site) => compileSite(site.path, site.text));
  if (sites.length === 0) return undefined;
  const original = toPlainData(value);
  return async (scope, limits) => {
    const budget = new EvaluationBudget(resolveLimits(limits));
    try {
      const rendered = toPlainData(original);
      for (const site of sites) {
        const result = await renderSite(site, scope, budget);
        if (site.path.length === 0) return result;
        setAt(rendered, site.path, result);
      }
      return rendered;
    } finally {
      budget.finish();
    }
  };
}
