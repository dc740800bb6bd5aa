import type { ServerResponse } from 'node:http';

/**
 * Tracks every timer the server starts so `close()` can clear them and wake whoever waits,
 * instead of leaving handlers parked on timers after the test is over.
 */
export class TimerSet {
  readonly #waiters = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves after `ms`, or early when the set closes or `res` closes.
   * @returns whether the response is still writable afterwards.
   */
  sleep(ms: number, res: ServerResponse): Promise<boolean> {
    if (this.#closed || !isWritable(res)) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const onClose = (): void => waiter.wake();
      const waiter = {
        timer: setTimeout(() => waiter.wake(), ms),
        wake: (): void => {
          clearTimeout(waiter.timer);
          this.#waiters.delete(waiter);
          res.off('close', onClose);
          resolve(!this.#closed && isWritable(res));
        },
      };
      this.#waiters.add(waiter);
      res.once('close', onClose);
    });
  }

  /** Clears all timers and wakes their waiters (who then see `false`). */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.wake();
  }
}

/** Whether a response can still take writes. */
export function isWritable(res: ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded;
}

/** Starts an SSE response and flushes the headers so the client sees them at once. */
export function startSse(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

/**
 * Writes one SSE frame (`event:` line only when given) and waits until it reached the socket,
 * which both respects back-pressure and guarantees a later cut doesn't swallow it.
 * @returns whether the response is still writable.
 */
export function sendSse(res: ServerResponse, data: unknown, event?: string): Promise<boolean> {
  if (!isWritable(res)) return Promise.resolve(false);
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  const frame = `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
  return new Promise<boolean>((resolve) => {
    res.write(frame, () => resolve(isWritable(res)));
  });
}

/** Kills the connection mid-response: the client sees a truncated body, not a clean end. */
export function cutConnection(res: ServerResponse): void {
  res.socket?.destroy();
  res.destroy();
}

/** Writes a complete JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (!isWritable(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/**
 * Non-streaming cut: announces the full length, sends half the body, then kills the socket.
 */
export async function sendTruncatedJson(res: ServerResponse, body: unknown, headers: Record<string, string>): Promise<void> {
  if (!isWritable(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  await new Promise<void>((resolve) => res.write(text.slice(0, Math.floor(text.length / 2)), () => resolve()));
  cutConnection(res);
}
