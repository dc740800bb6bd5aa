import { NexusError } from '@nexusflow/engine';
import { CreditError } from '@nexusflow/nodes';
import type { ValidationIssue } from '@nexusflow/schemas';
import { StoreError } from '../store/errors.js';

/** One problem of a request, with where it is: a JSON pointer into the body, or a parameter name. */
export interface ErrorDetail {
  pointer: string;
  message: string;
  code?: string;
}

/**
 * An error the API answers with. Every error response has one shape:
 * `{ "error": code, "message": sentence, "requestId": id, "details"?: [{ pointer, message }] }`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found in this workspace`);
export const badRequest = (message: string, details?: ErrorDetail[]) => new ApiError(400, 'invalid_request', message, details);

/** A flow that does not validate: 400 with every problem and its pointer. */
export function flowInvalid(issues: readonly ValidationIssue[], prefix = ''): ApiError {
  return new ApiError(
    400,
    'flow_invalid',
    `the flow has ${issues.length} problem${issues.length === 1 ? '' : 's'}; each detail names where (a JSON pointer) and what to fix`,
    issues.map((i) => ({ pointer: `${prefix}${i.pointer}`, message: i.message, code: i.code })),
  );
}

const CREDIT_STATUS: Record<string, number> = {
  insufficient_credits: 402,
  idempotency_key_mismatch: 422,
  unknown_hold: 404,
  invalid_amount: 400,
  invalid_key: 400,
  invalid_argument: 400,
};

const ENGINE_STATUS: Record<string, number> = {
  insufficient_credits: 402,
  queue_full: 429,
  runtime_closed: 503,
  sandbox_busy: 503,
  invalid_message: 400,
  flow_invalid: 400,
  plugin_invalid: 400,
  session_unrecoverable: 409,
  cluster_unavailable: 503,
};

/** Maps whatever a handler threw to an ApiError; unknown errors become a 500 without their text in production. */
export function toApiError(error: unknown, production: boolean): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof CreditError) {
    const details = error.field === undefined ? undefined : [{ pointer: `/${error.field}`, message: error.message }];
    return new ApiError(CREDIT_STATUS[error.code] ?? 400, error.code, error.message, details);
  }
  if (error instanceof StoreError) {
    if (error.code === 'conflict') return new ApiError(409, 'conflict', error.message);
    if (error.code === 'not_found') return new ApiError(404, 'not_found', error.message);
    if (error.code === 'fenced') return new ApiError(409, 'session_taken_over', error.message);
    return new ApiError(503, 'storage_unavailable', `storage is unavailable: ${error.message}; try again shortly`, undefined, { 'Retry-After': '5' });
  }
  if (error instanceof NexusError) {
    const details = error.pointer === undefined ? undefined : [{ pointer: error.pointer, message: error.message }];
    return new ApiError(ENGINE_STATUS[error.code] ?? 500, error.code, error.message, details);
  }
  // body-parser errors carry status and type.
  const http = error as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof http === 'object' && http !== null && typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
    if (http.type === 'entity.too.large') return new ApiError(413, 'payload_too_large', 'the request body is larger than this endpoint accepts');
    if (http.type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', `the request body is not valid JSON: ${String(http.message)}`);
    return new ApiError(http.status, 'invalid_request', typeof http.message === 'string' ? http.message : 'the request was refused');
  }
  const message = production || !(error instanceof Error) ? 'something went wrong on the server; the request id helps us find it' : `internal error: ${error.message}`;
  return new ApiError(500, 'internal_error', message);
}
