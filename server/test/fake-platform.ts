import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody } from './fake-graph-api.js';

/**
 * A local HTTP server playing a hosting platform, speaking the protocol documented in
 * server/src/hosting/platform-target.ts: bearer token check, databases and services made once per
 * Idempotency-Key, file uploads, an asynchronous start (a service answers `starting` for a few
 * status reads, then `live`), and the uploaded files served at the service's live URL. Tests can
 * make provisioning, creating, uploading or starting fail, or cut the connection right after a
 * service was created (an ambiguous failure).
 */

export type FakeStep = 'database' | 'service' | 'upload' | 'start';

export interface FakeService {
  id: string;
  name: string;
  databaseId?: string;
  files: Map<string, string>;
  status: 'created' | 'starting' | 'live' | 'failed';
  /** Status reads while starting. */
  polls: number;
  error?: string;
  starts: number;
}

export interface FakeDatabase {
  id: string;
  name: string;
  credentials: { url: string; host: string; port: number; database: string; user: string; password: string };
}

export interface FakePlatformOptions {
  token?: string;
  /** Status reads that still answer `starting` after a start (default 2). */
  pollsUntilLive?: number;
}

export interface FakePlatform {
  /** `http://127.0.0.1:PORT` (DEPLOY_PLATFORM_URL). */
  url: string;
  token: string;
  databases: Map<string, FakeDatabase>;
  services: Map<string, FakeService>;
  /** Every API request: method, path, whether its token was right, its Idempotency-Key. */
  requests: { method: string; path: string; authorized: boolean; idempotencyKey?: string }[];
  /** The next call of `step` answers 503 with `message`. */
  failNext(step: FakeStep, message: string): void;
  /** The next started service goes `starting` -> `failed` with `error` instead of live. */
  failNextStart(error: string): void;
  /** The next service creation is made, then the connection is cut before the answer. */
  cutAfterNextCreate(): void;
  /** Makes a service stop (status `failed`), as a crashed app would. */
  stop(serviceId: string, error: string): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body?: unknown) => {
  if (body === undefined) return void res.writeHead(status).end();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', json: 'application/json' };

export async function startFakePlatform(options: FakePlatformOptions = {}): Promise<FakePlatform> {
  const token = options.token ?? `platform-${randomBytes(8).toString('hex')}`;
  const pollsUntilLive = options.pollsUntilLive ?? 2;
  const databases = new Map<string, FakeDatabase>();
  const services = new Map<string, FakeService>();
  const byKey = new Map<string, string>();
  const requests: FakePlatform['requests'] = [];
  const failures = new Map<FakeStep, string>();
  let failStart: string | undefined;
  let cutAfterCreate = false;
  const sockets = new Set<Socket>();
  let base = '';

  const fail = (res: ServerResponse, step: FakeStep): boolean => {
    const message = failures.get(step);
    if (message === undefined) return false;
    failures.delete(step);
    json(res, 503, { error: 'unavailable', message });
    return true;
  };

  function serveSite(res: ServerResponse, serviceId: string, rest: string): void {
    const service = services.get(serviceId);
    if (service === undefined || service.status !== 'live') return json(res, 503, { error: 'not_live', message: 'this service is not running' });
    const file = rest === '' || rest.endsWith('/') ? `${rest}index.html` : rest;
    const content = service.files.get(file);
    if (content === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream' }).end(content);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://platform.test');
    const site = /^\/sites\/([^/]+)\/(.*)$/.exec(url.pathname);
    if (site !== null && req.method === 'GET') return serveSite(res, decodeURIComponent(site[1]!), decodeURIComponent(site[2]!));
    const authorized = req.headers.authorization === `Bearer ${token}`;
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    requests.push({ method: req.method ?? '', path: url.pathname, authorized, ...(key === undefined ? {} : { idempotencyKey: key }) });
    const text = await readBody(req);
    if (!authorized) return json(res, 401, { error: 'unauthorized', message: 'invalid API token' });
    const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    const route = `${req.method} ${url.pathname.replace(/^\/v1\/services\/[^/]+/, '/v1/services/:id')}`;
    const serviceId = decodeURIComponent(/^\/v1\/services\/([^/]+)/.exec(url.pathname)?.[1] ?? '');
    const service = services.get(serviceId);

    switch (route) {
      case 'POST /v1/databases': {
        if (fail(res, 'database')) return;
        const earlier = key === undefined ? undefined : databases.get(byKey.get(`db:${key}`) ?? '');
        if (earlier !== undefined) return json(res, 200, earlier);
        const id = `db-${randomBytes(4).toString('hex')}`;
        const password = randomBytes(12).toString('base64url');
        const database: FakeDatabase = { id, name: String(body.name), credentials: { url: `postgres://app:${password}@db.platform.test:5432/${id}`, host: 'db.platform.test', port: 5432, database: id, user: 'app', password } };
        databases.set(id, database);
        if (key !== undefined) byKey.set(`db:${key}`, id);
        return json(res, 201, database);
      }
      case 'POST /v1/services': {
        if (fail(res, 'service')) return;
        const earlier = key === undefined ? undefined : services.get(byKey.get(`svc:${key}`) ?? '');
        if (earlier !== undefined) return json(res, 200, { id: earlier.id });
        const id = `svc-${randomBytes(4).toString('hex')}`;
        const made: FakeService = { id, name: String(body.name), files: new Map(), status: 'created', polls: 0, starts: 0 };
        if (typeof body.databaseId === 'string') made.databaseId = body.databaseId;
        services.set(id, made);
        if (key !== undefined) byKey.set(`svc:${key}`, id);
        if (cutAfterCreate) {
          cutAfterCreate = false;
          return void res.socket?.destroy();
        }
        return json(res, 201, { id });
      }
      case 'PUT /v1/services/:id/files': {
        if (service === undefined) return json(res, 404, { error: 'not_found', message: `no service ${serviceId}` });
        if (fail(res, 'upload')) return;
        service.files = new Map((body.files as { path: string; content: string }[]).map((f) => [f.path, f.content]));
        return json(res, 204);
      }
      case 'POST /v1/services/:id/start': {
        if (service === undefined) return json(res, 404, { error: 'not_found', message: `no service ${serviceId}` });
        if (fail(res, 'start')) return;
        if (service.files.size === 0) return json(res, 409, { error: 'no_files', message: 'upload files before starting' });
        service.starts += 1;
        if (service.status !== 'live') {
          service.status = 'starting';
          service.polls = 0;
          if (failStart !== undefined) {
            service.error = failStart;
            failStart = undefined;
          } else delete service.error;
        }
        return json(res, 202, { status: service.status });
      }
      case 'GET /v1/services/:id': {
        if (service === undefined) return json(res, 404, { error: 'not_found', message: `no service ${serviceId}` });
        if (service.status === 'starting') {
          service.polls += 1;
          if (service.polls > pollsUntilLive) service.status = service.error === undefined ? 'live' : 'failed';
        }
        return json(res, 200, {
          id: service.id,
          status: service.status,
          ...(service.status === 'live' ? { url: `${base}/sites/${service.id}/` } : {}),
          ...(service.status === 'failed' && service.error !== undefined ? { error: service.error } : {}),
        });
      }
      default:
        return json(res, 404, { error: 'not_found', message: `no route ${req.method} ${url.pathname}` });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: 'internal', message: String(error) }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    url: base,
    token,
    databases,
    services,
    requests,
    failNext: (step, message) => void failures.set(step, message),
    failNextStart: (error) => void (failStart = error),
    cutAfterNextCreate: () => void (cutAfterCreate = true),
    stop(serviceId, error) {
      const service = services.get(serviceId);
      if (service !== undefined) Object.assign(service, { status: 'failed', error });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
