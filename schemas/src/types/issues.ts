/** One problem found in a document: where (a JSON pointer) and what, as a human sentence. */
export interface ValidationIssue {
  /** Stable snake_case code, e.g. `schema`, `duplicate_node_id`, `flow_cycle_without_wait`. */
  code: string;
  /** JSON pointer into the document, e.g. `/nodes/2/config/model`; `` for the root. */
  pointer: string;
  /** A sentence that says what is wrong and, where it can, how to fix it. */
  message: string;
}

/** Expected bad input is a result, not an exception. */
export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };
