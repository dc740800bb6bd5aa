import type { LlmConnection } from './types.js';
import type { CallWatchdog } from './watchdog.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 2;

/** What both official SDKs take from a connection, and what their error mapping needs to know. */
export function clientSetup(connection: LlmConnection) {
  const timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseURL = connection.baseURL === undefined ? {} : { baseURL: connection.baseURL };
  return {
    timeoutMs,
    options: { apiKey: connection.apiKey, ...baseURL, timeout: timeoutMs, maxRetries: connection.maxRetries ?? DEFAULT_MAX_RETRIES },
    errorContext: (watchdog: CallWatchdog) => ({ timeoutMs, timedOut: watchdog.timedOut, ...baseURL }),
  };
}
