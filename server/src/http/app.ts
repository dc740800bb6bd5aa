import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { AppContext } from '../app-context.js';
import { ApiError, toApiError } from './api-error.js';
import { actorOf, authorize, identify } from './authenticate.js';
import { buildOpenApi } from './openapi.js';
import type { RouteSpec } from './route-spec.js';
import { validateBody } from './validate-body.js';

export const API_BASE = '/api/v1';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    rawBody?: Buffer;
  }
}

/** Sends the one error shape: `{ error, message, requestId, details? }`. */
export function sendError(res: Response, req: Request, error: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  const body: Record<string, unknown> = { error: error.code, message: error.message, requestId: req.id };
  if (error.details !== undefined) body.details = error.details;
  res.status(error.status).json(body);
}

function mountRoute(router: express.Router, ctx: AppContext, spec: RouteSpec): void {
  const parse = spec.method === 'get' || spec.method === 'delete' ? [] : [express.json({ limit: spec.bodyLimit ?? '1mb', strict: false, verify: (req, _res, buf) => void ((req as Request).rawBody = buf) })];
  router[spec.method](spec.path, ...parse, async (req: Request, res: Response) => {
    if (ctx.draining && spec.method !== 'get') throw new ApiError(503, 'shutting_down', 'the server is restarting; try again in a few seconds', undefined, { 'Retry-After': '5' });
    const params = req.params as Record<string, string>;
    const identity = spec.access.kind === 'public' ? await identify(req, ctx).catch(() => undefined) : await identify(req, ctx);
    if (spec.access.kind !== 'public' && identity === undefined) throw new ApiError(401, 'unauthorized', 'sign in first: send "Authorization: Bearer <token or API key>"');
    if (spec.access.kind === 'user' && identity?.kind !== 'user') throw new ApiError(403, 'forbidden', 'this endpoint is for signed-in people; API keys cannot use it');
    const workspaceId = params.workspaceId ?? '';
    const principal = spec.access.kind === 'workspace' && identity !== undefined ? await authorize(ctx, identity, workspaceId, spec.access) : undefined;
    const body = spec.body === undefined ? req.body : validateBody(spec.body, req.body);
    const answer = await spec.handle({ req, res, ctx, params, body, principal, workspaceId, actor: identity === undefined ? '' : actorOf(identity) });
    if (!res.headersSent) {
      if (answer === undefined) res.status(spec.status ?? 204).end();
      else res.status(spec.status ?? 200).json(answer);
    }
  });
}

/**
 * The Express application: security headers, CORS, request ids and logs, rate limits, the API
 * routes, health and metrics, the editor build, and one JSON shape for every error.
 */
export function createHttpApp(ctx: AppContext, routes: readonly RouteSpec[], extra: (app: express.Express) => void = () => undefined): express.Express {
  const app = express();
  app.set('trust proxy', ctx.config.trustProxy);
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    next();
  });
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req) => (req as Request).id,
      // Tokens and keys never reach the logs.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["x-nexusflow-signature"]', 'req.headers["x-hub-signature-256"]', 'req.query["hub.verify_token"]'],
      serializers: {
        // The Cloud API's verification handshake carries its token in the query string.
        req: (req: { url: string }) => {
          req.url = req.url.replace(/([?&]hub\.verify_token=)[^&#]*/g, '$1[Redacted]');
          return req;
        },
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          // ajv (flow checks and config forms in the editor) compiles schemas with new Function.
          'script-src': ["'self'", "'unsafe-eval'"],
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'img-src': ["'self'", 'data:', 'blob:'],
          'style-src': ["'self'", "'unsafe-inline'"],
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(
    cors({
      origin: ctx.config.corsOrigins.includes('*') ? true : ctx.config.corsOrigins,
      credentials: false,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    }),
  );
  app.use((req, res, next) => {
    res.on('finish', () => ctx.metrics.httpRequests.inc({ method: req.method, route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });

  app.get('/healthz', async (req, res) => {
    try {
      await ctx.store.ping();
      const redis = await ctx.cluster.redisStatus();
      // Without Redis this process cannot take chat turns in order with the others: a load balancer should look elsewhere.
      res.status(redis === 'down' ? 503 : 200).json({
        status: ctx.draining ? 'draining' : redis === 'down' ? 'degraded' : 'ok',
        store: ctx.store.kind,
        redis,
        process: ctx.cluster.processId,
        providers: ctx.llm.status().map((s) => ({ provider: s.provider, mode: s.mode })),
      });
    } catch (error) {
      sendError(res, req, toApiError(error, ctx.config.env === 'production'));
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });

  const limiterMessage = (what: string) => (req: Request, res: Response) =>
    sendError(res, req, new ApiError(429, 'rate_limited', `too many requests ${what}; slow down and retry after the Retry-After seconds`));
  // Several processes count together in Redis; while Redis is away, requests pass (and it is logged)
  // rather than the whole API failing with it.
  const shared = (name: string) => {
    const store = ctx.cluster.rateLimitStore(name);
    return store === undefined ? {} : { store, passOnStoreError: true };
  };
  const perIp = rateLimit({
    ...shared('ip'),
    windowMs: 60_000,
    limit: ctx.config.rateLimits.perIpPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    handler: limiterMessage('from this address'),
  });
  const perKey = rateLimit({
    ...shared('key'),
    windowMs: 60_000,
    limit: ctx.config.rateLimits.perKeyPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => !/^Bearer\s+nf_/i.test(req.headers.authorization ?? ''),
    keyGenerator: (req) => (req.headers.authorization ?? '').split('_').slice(0, 2).join('_'),
    handler: limiterMessage('with this API key'),
  });
  app.use([API_BASE, '/v1'], perIp, perKey);

  const router = express.Router();
  for (const spec of routes) mountRoute(router, ctx, spec);
  router.get('/openapi.json', (_req, res) => void res.json(buildOpenApi(routes)));
  app.use(API_BASE, router);
  extra(app);
  app.use([API_BASE, '/v1'], (req: Request) => {
    throw new ApiError(404, 'not_found', `no endpoint ${req.method} ${req.originalUrl.split('?')[0]}; the list is at ${API_BASE}/openapi.json`);
  });

  const editorDist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../editor/dist');
  if (existsSync(path.join(editorDist, 'index.html'))) {
    app.use(express.static(editorDist, { index: 'index.html', maxAge: '1h' }));
    app.get('/{*path}', (_req, res) => res.sendFile(path.join(editorDist, 'index.html')));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send(`Nexus Flow server is running. The API is at ${API_BASE} (see ${API_BASE}/openapi.json); the editor appears here once it is built.`);
    });
  }

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const apiError = toApiError(error, ctx.config.env === 'production');
    if (apiError.status >= 500) ctx.logger.error({ err: error, requestId: req.id }, 'request failed');
    sendError(res, req, apiError);
  });
  return app;
}
