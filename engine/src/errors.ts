/**
 * Error codes of the engine. A step that fails carries one of the step codes and leaves through
 * the node's `error` port; the others describe misuse or broken documents.
 */
export const STEP_ERROR_CODES = [
  'timeout',
  'memory_limit',
  'sandbox_crashed',
  'sandbox_busy',
  'plugin_error',
  'plugin_not_found',
  'output_too_large',
  'output_not_serializable',
  'invalid_port',
  'invalid_output',
  'capability_not_declared',
  'capability_limit',
  'capability_failed',
  'expression_failed',
  'expression_timeout',
  'expression_too_deep',
  'step_interrupted',
  'step_budget_exceeded',
  'unknown_node_type',
] as const;
export type StepErrorCode = (typeof STEP_ERROR_CODES)[number];

export const ENGINE_ERROR_CODES = [
  ...STEP_ERROR_CODES,
  'flow_invalid',
  'plugin_invalid',
  'session_unrecoverable',
  'queue_full',
  'invalid_message',
  'runtime_closed',
] as const;
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

/**
 * Plain, copyable description of a failure, as stored in traces and session records. `code` is an
 * engine code, or the snake_case code a capability gave its error (`insufficient_credits`,
 * `llm_rate_limited` ...) when a plugin let that error fail its step.
 */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  pointer?: string;
}

/** An engine code, or a snake_case code of a capability provider (`insufficient_credits`, `egress_denied` ...). */
export type ErrorCode = EngineErrorCode | (string & {});

export class NexusError extends Error {
  readonly code: ErrorCode;
  readonly pointer: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { pointer?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NexusError';
    this.code = code;
    this.pointer = options?.pointer;
  }

  toInfo(): ErrorInfo {
    return this.pointer === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, pointer: this.pointer };
  }
}

/** Turns anything thrown into an ErrorInfo without running code owned by someone else. */
export function toErrorInfo(error: unknown, fallback: EngineErrorCode = 'plugin_error'): ErrorInfo {
  if (error instanceof NexusError) return error.toInfo();
  if (error instanceof Error) return { code: fallback, message: error.message };
  return { code: fallback, message: String(error) };
}
