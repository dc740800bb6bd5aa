import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { anthropicWire } from './anthropic-wire.js';
import { openaiWire } from './openai-wire.js';
import { ScriptQueue, type FakeApi, type FakeRequest, type FakeResponder, type ScriptStep } from './script.js';
import { isWritable, TimerSet } from './sse.js';
import { countTokens } from './tokens.js';
import type { WireProtocol } from './wire.js';

/** Options for {@link startFakeLlmServer}. */
export interface FakeLlmServerOptions {
  /** Steps queued before the first request (same as calling `script(...steps)`). */
  readonly script?: readonly ScriptStep[];
  /** Answers requests once the queue is empty; without it the server says a stock sentence. */
  readonly responder?: FakeResponder;
  /** Largest accepted request body in bytes; bigger bodies get 413. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Most requests kept in `requests` (oldest dropped first). Default 1000. */
  readonly maxRecordedRequests?: number;
}

/** A running fake LLM server. */
export interface FakeLlmServer {
  /** Base URL for `new OpenAI({ baseURL })`, ending in `/v1`. */
  readonly openaiBaseURL: string;
  /** Base URL for `new Anthropic({ baseURL })` (the SDK appends `/v1/messages`). */
  readonly anthropicBaseURL: string;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request received, oldest first (bounded by `maxRecordedRequests`). */
  readonly requests: readonly FakeRequest[];
  /** Steps still queued. */
  readonly pending: number;
  /** Queues replies/faults for the next requests, first in first out. */
  script(...steps: ScriptStep[]): void;
  /** Sets (or with `undefined` removes) the responder used when the queue is empty. */
  script(responder: FakeResponder | undefined): void;
  /** Drops queued steps and recorded requests; the responder goes back to `options.responder`. */
  reset(): void;
  /** The server's deterministic token counter (o200k_base via gpt-tokenizer). */
  countTokens(text: string): number;
  /** Stops listening, clears timers and destroys open sockets. Idempotent. */
  close(): Promise<void>;
}

const ROUTES: Record<string, { api: FakeApi; wire: WireProtocol }> = {
  '/v1/chat/completions': { api: 'openai', wire: openaiWire },
  '/v1/messages': { api: 'anthropic', wire: anthropicWire },
};

type BodyResult = { ok: true; text: string } | { ok: false };

/** Reads the body up to `limit` bytes; past that it stops buffering and reports failure. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? { ok: false } : { ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => resolve({ ok: false }));
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a local HTTP server on 127.0.0.1 (random port) that speaks the OpenAI chat-completions
 * and Anthropic messages wire protocols, answering from a script so SDK-level code can be tested
 * offline: usage, streaming, truncation, HTTP errors, cut streams and provider quirks.
 */
export async function startFakeLlmServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxRecorded = options.maxRecordedRequests ?? 1000;
  const queue = new ScriptQueue(options.responder);
  if (options.script) queue.push(options.script);
  const requests: FakeRequest[] = [];
  const timers = new TimerSet();
  const sockets = new Set<Socket>();
  let seq = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = ROUTES[path];
    const api: FakeApi = route?.api ?? (path.startsWith('/v1/messages') ? 'anthropic' : 'openai');
    const wire = route?.wire ?? (api === 'anthropic' ? anthropicWire : openaiWire);
    const body = await readBody(req, maxBodyBytes);
    const parsed = body.ok ? parseObject(body.text) : undefined;
    const request: FakeRequest = { api, path, headers: { ...req.headers }, body: parsed ?? {}, receivedAt: Date.now() };
    requests.push(request);
    if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);

    if (!route) return wire.sendError(res, 404, `Unknown path ${path}`);
    if (req.method !== 'POST') return wire.sendError(res, 405, `Method ${req.method ?? ''} not allowed`);
    // The rest of an oversized body is never read, so the connection can't be reused.
    if (!body.ok) return wire.sendError(res, 413, `Request body exceeds ${maxBodyBytes} bytes`, { connection: 'close' });
    const authError = wire.checkAuth(request);
    if (authError !== undefined) return wire.sendError(res, 401, authError);
    if (parsed === undefined) return wire.sendError(res, 400, 'Request body is not a JSON object');
    const invalid = wire.validate(request);
    if (invalid !== undefined) return wire.sendError(res, 400, invalid);
    // Only well-formed, authorised requests consume a scripted step.
    const reply = await queue.next(request);
    seq += 1;
    await wire.respond({ request, res, reply, timers, seq });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A throwing responder is a test bug: surface it as a 500 rather than hanging the client.
      if (isWritable(res) && !res.headersSent) {
        const message = error instanceof Error ? error.message : String(error);
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`fake LLM server error: ${message}`);
      } else {
        res.destroy();
      }
    });
  });
  // Bounded waits for slow or stuck clients.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  function script(...args: [FakeResponder | undefined] | ScriptStep[]): void {
    if (args.length === 1 && (typeof args[0] === 'function' || args[0] === undefined)) {
      queue.setResponder(args[0] as FakeResponder | undefined);
      return;
    }
    queue.push(args as ScriptStep[]);
  }

  return {
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    url,
    requests,
    get pending() {
      return queue.pending;
    },
    script,
    reset() {
      queue.clear();
      queue.setResponder(options.responder);
      requests.length = 0;
    },
    countTokens,
    close() {
      closing ??= new Promise<void>((resolve) => {
        timers.close();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
