import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One message the fake Graph API accepted (or refused), as it arrived. */
export interface GraphRequest {
  version: string;
  phoneNumberId: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
  /** The id answered, when accepted. */
  wamid?: string;
  status: number;
}

/** A scripted failure: the next request(s) get this answer instead of success. */
export interface GraphFailure {
  status: number;
  /** Graph's error object: `{ message, type, code, error_subcode?, error_data?, fbtrace_id }`. */
  error: { message: string; type?: string; code: number; error_subcode?: number; error_data?: { details: string } };
}

export interface FakeGraphApi {
  /** `http://127.0.0.1:PORT`, to use as a connection's `graphBaseUrl`. */
  url: string;
  /** Every POST to `/{version}/{phoneNumberId}/messages`, oldest first. */
  requests: GraphRequest[];
  /** The accepted messages only. */
  sent(): GraphRequest[];
  /** The next `times` requests fail with `failure`. */
  failNext(failure: GraphFailure, times?: number): void;
  close(): Promise<void>;
}

const TYPES = new Set(['text', 'image', 'audio', 'video', 'document', 'sticker', 'interactive', 'template', 'location', 'reaction']);

/** A request's whole body as text (the fake servers of the tests read small JSON bodies). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const graphError = (status: number, message: string, code: number, type = 'OAuthException') => ({ status, error: { message, type, code, fbtrace_id: 'AbCdEfGhIjK' } });

/**
 * A local server that plays the WhatsApp Cloud API's Graph endpoint for sending messages:
 * `POST /{version}/{phoneNumberId}/messages` with `Authorization: Bearer <accessToken>`, answering
 * like Meta does (`{ messaging_product, contacts, messages: [{ id: 'wamid.…' }] }`) or with Graph's
 * error shape (`{ error: { message, type, code, fbtrace_id } }`).
 */
export async function startFakeGraphApi(options: { accessToken: string; phoneNumberId: string }): Promise<FakeGraphApi> {
  const requests: GraphRequest[] = [];
  const failures: GraphFailure[] = [];
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/(v\d+\.\d+)\/([^/]+)\/messages$/.exec((req.url ?? '').split('?')[0] ?? '');
    if (req.method !== 'POST' || match === null) {
      const failure = graphError(400, `Unsupported ${req.method} request. Object with ID '${req.url}' does not exist`, 100, 'GraphMethodException');
      return answer(res, failure.status, { error: failure.error });
    }
    const text = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // checked below: a body that is not JSON is an invalid parameter
    }
    const request: GraphRequest = { version: match[1]!, phoneNumberId: match[2]!, authorization: req.headers.authorization, body, status: 0 };
    requests.push(request);
    const refuse = (failure: GraphFailure) => {
      request.status = failure.status;
      answer(res, failure.status, { error: { type: 'OAuthException', fbtrace_id: 'AbCdEfGhIjK', ...failure.error } });
    };
    if (req.headers.authorization !== `Bearer ${options.accessToken}`) return refuse(graphError(401, 'Invalid OAuth access token - Cannot parse access token', 190));
    if (request.phoneNumberId !== options.phoneNumberId) return refuse(graphError(400, `Unsupported post request. Object with ID '${request.phoneNumberId}' does not exist`, 100, 'GraphMethodException'));
    const scripted = failures.shift();
    if (scripted !== undefined) return refuse(scripted);
    const type = body.type;
    if (body.messaging_product !== 'whatsapp' || typeof body.to !== 'string' || typeof type !== 'string' || !TYPES.has(type) || typeof body[type] !== 'object') {
      return refuse(graphError(400, '(#100) Invalid parameter', 100));
    }
    if (type === 'text' && (typeof (body.text as { body?: unknown }).body !== 'string' || ((body.text as { body: string }).body.length > 4096))) {
      return refuse(graphError(400, '(#100) Param text[\'body\'] must be at most 4096 characters long.', 100));
    }
    request.wamid = `wamid.${randomBytes(24).toString('base64url')}`;
    request.status = 200;
    answer(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: request.wamid }] });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answer(res, 500, { error: { message: String(error), code: 1, type: 'OAuthException' } }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sent: () => requests.filter((r) => r.wamid !== undefined),
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i += 1) failures.push(failure);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
