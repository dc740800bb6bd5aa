/**
 * Stands in for `@nexusflow/nodes` in the hold-race child processes: the store needs only
 * `CreditError` from it at run time, and loading the whole package (LLM SDKs, tokenizer) would
 * cost each child seconds. Errors are not what the race counts.
 */
export class CreditError extends Error {
  readonly code: string;
  readonly field: string | undefined;

  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = 'CreditError';
    this.code = code;
    this.field = field;
  }
}
