import jsonata from 'jsonata';
import { callOriginal } from './builtin-originals.js';
import { ExpressionLimitError, quoteExpression } from './expression-errors.js';
import { findUnsafeConstruct } from './unsafe-constructs.js';

/**
 * `$eval` parses JSONata at run time, after checkExpression: it must refuse what checkExpression
 * refuses (regexes RE2 cannot run, function signatures). Its evaluation shares the caller's
 * frame, so the caller's budget bounds it.
 */
export async function evaluate(this: jsonata.Focus, source: unknown, focus?: unknown): Promise<unknown> {
  if (typeof source === 'string') {
    let ast: unknown;
    try {
      ast = jsonata(source).ast();
    } catch {
      // Not parseable: jsonata's own $eval reports that as D3120.
    }
    const unsafe = ast === undefined ? undefined : findUnsafeConstruct(ast);
    if (unsafe !== undefined) throw new ExpressionLimitError(`$eval refused ${quoteExpression(source)}, which ${unsafe.description}`);
  }
  return callOriginal('eval', this, [source, focus]);
}
