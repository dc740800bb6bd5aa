/** Why `serializeFlow` refused a document. */
export type FlowSerializationErrorCode = 'nesting_too_deep' | 'not_json';

/**
 * Thrown by `serializeFlow` for a document no valid flow can be: nested deeper than
 * `MAX_NESTING_DEPTH`, circular, or holding a bigint. Validate first to get every problem as a
 * list instead.
 *
 * @example
 * try {
 *   serializeFlow(flow);
 * } catch (error) {
 *   if (error instanceof FlowSerializationError) console.error(error.pointer, error.message);
 * }
 */
export class FlowSerializationError extends Error {
  readonly code: FlowSerializationErrorCode;
  /** JSON pointer of the value that cannot be written. */
  readonly pointer: string;

  constructor(code: FlowSerializationErrorCode, pointer: string, message: string) {
    super(message);
    this.name = 'FlowSerializationError';
    this.code = code;
    this.pointer = pointer;
  }
}
