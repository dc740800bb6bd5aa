/**
 * What a `disconnected` reason or a failed call means for the connection. whatsapp-web.js passes
 * a WAState (`UNPAIRED`, `CONFLICT`, `TOS_BLOCK` ...), `LOGOUT`, `NAVIGATION`, a sentence such as
 * "Max qrcode retries reached", or nothing.
 */
export type DisconnectKind = 'logged_out' | 'banned' | 'qr_expired' | 'transient';

export function classifyDisconnect(reason: unknown): DisconnectKind {
  const text = typeof reason === 'string' ? reason : '';
  if (text === 'LOGOUT' || text === 'UNPAIRED' || text === 'UNPAIRED_IDLE') return 'logged_out';
  if (text === 'TOS_BLOCK' || text === 'SMB_TOS_BLOCK') return 'banned';
  if (/max qrcode retries/i.test(text)) return 'qr_expired';
  // NAVIGATION, CONFLICT, TIMEOUT, an unknown reason or none: the login is intact, come back.
  return 'transient';
}

export function describeReason(reason: unknown): string {
  if (typeof reason === 'string' && reason.length > 0) return reason.slice(0, 120);
  return 'no reason given';
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

/**
 * The browser page behind the client is gone (Chromium crashed or was closed): every call then
 * rejects with "Protocol error (Runtime.callFunctionOn): Session closed" or a sibling message.
 */
export function isSessionClosed(error: unknown): boolean {
  return /session closed|target closed|browser has disconnected|page has been closed|execution context was destroyed|connection closed/i.test(errorText(error));
}

/** Launch failures that retrying cannot fix; `undefined` when the error is none of them. */
export function launchFailure(error: unknown, chromiumPath: string): string | undefined {
  const text = errorText(error);
  if (/SingletonLock|profile appears to be in use|ProcessSingleton|is already running|already in use by another/i.test(text)) {
    return `The Chromium profile of this connection is in use by another browser (${text.slice(0, 160)}). Stop the other server or Chromium using it, then start the connection again.`;
  }
  if (/Failed to launch the browser process|Browser was not found|ENOENT|executablePath|spawn .* (EACCES|ENOENT)/i.test(text)) {
    return chromiumMissing(chromiumPath, text);
  }
  return undefined;
}

export function chromiumMissing(chromiumPath: string, cause: string): string {
  return `Chromium could not be started from ${JSON.stringify(chromiumPath)} (${cause.slice(0, 160)}). Install it (for example "apt-get install chromium") or set the server's Chromium path, then start the connection again.`;
}
