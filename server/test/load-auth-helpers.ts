import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { io as connect, type Socket, type SocketOptions, type ManagerOptions } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { TestServer } from './harness.js';

/**
 * Small helpers shared by the catalogue load and socket-auth tests (RELIABILITY.md §9 A-08..A-12,
 * L-02..L-05). Every wait is bounded; nothing here asserts on elapsed time.
 */

/** A widget contact id as the widget makes one: 128 random bits, base64url. */
export const randomContactId = (): string => randomBytes(16).toString('base64url');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the first `event` of `emitter`, or rejects after `timeoutMs`. */
export function once<T = unknown>(emitter: { once(event: string, listener: (...args: any[]) => void): unknown; off?(event: string, listener: (...args: any[]) => void): unknown }, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (value: T) => {
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      emitter.off?.(event, listener);
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.once(event, listener);
  });
}

/** What a handshake that should fail ended with: a connect_error message, a disconnect reason, or (bad) `connected`. */
export function handshakeOutcome(socket: Socket, timeoutMs = 10_000): Promise<{ kind: 'connect_error' | 'disconnect' | 'connected' | 'timeout'; message: string }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timeout', message: '' }), timeoutMs);
    const done = (kind: 'connect_error' | 'disconnect' | 'connected', message: string) => {
      clearTimeout(timer);
      resolve({ kind, message });
    };
    socket.once('connect_error', (error: Error) => done('connect_error', error.message));
    socket.once('disconnect', (reason: string) => done('disconnect', reason));
    socket.once('connect', () => done('connected', ''));
  });
}

/** Tracks every client socket a test opens, so `afterAll` can close them all. */
export function socketPool(url: () => string) {
  const all: Socket[] = [];
  return {
    open(namespace: '/chat' | '/studio' | '/', options: Partial<ManagerOptions & SocketOptions>): Socket {
      const socket = connect(`${url()}${namespace === '/' ? '' : namespace}`, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
      all.push(socket);
      return socket;
    },
    chat(publishableKey: string, contactId = randomContactId()): Socket {
      return this.open('/chat', { auth: { publishableKey, contactId } });
    },
    closeAll(): void {
      for (const socket of all.splice(0)) socket.close();
    },
  };
}

/**
 * Polls `/healthz` every `everyMs` until stopped (bounded by `maxPolls` and `maxMs`); answers the
 * statuses seen, so a test can assert "the health endpoint answered 200 throughout".
 */
export function healthProbe(server: TestServer, everyMs = 100, maxPolls = 600, maxMs = 60_000) {
  const statuses: (number | string)[] = [];
  let stopped = false;
  const started = Date.now();
  const loop = (async () => {
    while (!stopped && statuses.length < maxPolls && Date.now() - started < maxMs) {
      try {
        const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        const body = (await response.json()) as { status?: string };
        statuses.push(response.status === 200 && body.status === 'ok' ? 200 : `${response.status} ${JSON.stringify(body)}`);
      } catch (error) {
        statuses.push(`error: ${(error as Error).message}`);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<(number | string)[]> {
      stopped = true;
      await loop;
      return statuses;
    },
  };
}

/** One HTTP request from a chosen local address (the server trusts no proxy, so this is the client IP it sees). */
export function requestFrom(localAddress: string, url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, localAddress, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * A raw engine.io v4 WebSocket (no socket.io-client): resolves once the server's open packet
 * (`0{...}`) arrived. `messages` collects every later frame; `closed` resolves on close.
 */
export async function rawEngineSocket(serverUrl: string, timeoutMs = 5000) {
  const ws = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const messages: string[] = [];
  let closedByPeer = false;
  let closing = false;
  const closed = new Promise<{ code: number; byPeer: boolean }>((resolve) => {
    ws.on('close', (code) => {
      closedByPeer = !closing;
      resolve({ code, byPeer: closedByPeer });
    });
  });
  ws.on('error', () => undefined);
  const opened = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no engine.io open packet')), timeoutMs);
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${(data as Buffer).length}>` : String(data);
      if (text.startsWith('0{')) {
        clearTimeout(timer);
        resolve(text);
      } else messages.push(text);
    });
    void closed.then(() => {
      clearTimeout(timer);
      reject(new Error('closed before the open packet'));
    });
  });
  await opened;
  return {
    ws,
    messages,
    closed,
    get open() {
      return ws.readyState === WebSocket.OPEN;
    },
    /** Waits (bounded) for a frame matching `test` among the frames received so far and later. */
    async waitFor(test: (frame: string) => boolean, waitMs = 5000): Promise<string> {
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline) {
        const found = messages.find(test);
        if (found !== undefined) return found;
        if (ws.readyState !== WebSocket.OPEN) break;
        await sleep(10);
      }
      throw new Error(`no matching frame; got ${JSON.stringify(messages.slice(-5))}`);
    },
    close() {
      closing = true;
      ws.terminate();
    },
  };
}
