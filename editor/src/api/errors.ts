import type { ErrorDetail } from './types.js';

/**
 * An API call that did not succeed: the server's error answer (`{ error, message, requestId,
 * details? }`), or a network failure (status 0, code `network_error`), or an answer that was not
 * the API's error shape (code `http_error`).
 */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The API's error code (`invalid_credentials`, `flow_invalid`, `conflict` ...). */
  readonly code: string;
  /** One entry per problem, each with where it is (a JSON pointer into the body, or a parameter name). */
  readonly details: ErrorDetail[];
  readonly requestId: string | undefined;
  /** From the Retry-After header of 429 and 503 answers. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, options: { details?: ErrorDetail[]; requestId?: string; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = options.details ?? [];
    this.requestId = options.requestId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The details whose pointer is `pointer` or lies below it (`/document` matches `/document/nodes/0`). */
  detailsAt(pointer: string): ErrorDetail[] {
    return this.details.filter((d) => d.pointer === pointer || d.pointer.startsWith(`${pointer}/`));
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** A sentence for any thrown value, for places that show an error without its details. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'something went wrong';
}
