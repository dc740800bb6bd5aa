/** Why a store call failed, in words a route can turn into an HTTP status. */
export type StoreErrorCode = 'conflict' | 'storage_unavailable' | 'not_found';

/**
 * A refused or failed store call. `conflict`: a unique key is taken or a revision moved on (409).
 * `storage_unavailable`: the database cannot be reached or written, e.g. disk full (503).
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
