/** Why a store call failed, in words a route can turn into an HTTP status. */
export type StoreErrorCode = 'conflict' | 'storage_unavailable' | 'not_found' | 'fenced';

/**
 * A refused or failed store call. `conflict`: a unique key is taken or a revision moved on (409).
 * `storage_unavailable`: the database cannot be reached or written, e.g. disk full (503).
 * `fenced`: a session write carried a fencing token that is no longer current: another server
 * process took the conversation over, and this process's write is refused (409).
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** A session write refused because another process claimed the conversation after this one. */
export function fencedError(sessionId: string, fence: number, current: number): StoreError {
  return new StoreError(
    'fenced',
    `session ${sessionId} was taken over by another server process (this process's fencing token ${fence} is older than the current ${current}); its write was refused so the newer state stays`,
  );
}
