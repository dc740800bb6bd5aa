/** Codes the http capability fails with, beyond `capability_failed` for malformed arguments. */
export type HttpErrorCode = 'egress_denied' | 'response_too_large' | 'http_timeout' | 'too_many_redirects' | 'http_failed';

/**
 * An error of `http.fetch`. The sandbox host forwards `code` to the plugin (the thrown error's
 * `code`, and a message starting `<code>:`), so a node can tell a refusal from a network failure.
 */
export class HttpCapabilityError extends Error {
  readonly code: HttpErrorCode;

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpCapabilityError';
    this.code = code;
  }
}
