import type express from 'express';
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.js';
import { defaultWidgetEntry, widgetBundle, type WidgetBundle } from './widget-bundle.js';

export interface WidgetOptions {
  /** The browser entry to bundle (tests point it at a broken file); default `client/main.ts`. */
  entry?: string;
}

/** Browsers revalidate with the ETag after this long; the URL carries no version, so keep it short. */
const CACHE_CONTROL = 'public, max-age=300, must-revalidate';

function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

function send(req: Request, res: Response, bundle: WidgetBundle): void {
  res.setHeader('ETag', bundle.etag);
  res.setHeader('Cache-Control', CACHE_CONTROL);
  res.vary('Accept-Encoding');
  res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  const gzipped = acceptsGzip(req);
  if (gzipped) res.setHeader('Content-Encoding', 'gzip');
  const body = gzipped ? bundle.gzipped : bundle.code;
  res.setHeader('Content-Length', String(body.length));
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
}

/**
 * `GET /widget.js`: the embeddable chat widget. One `<script src=".../widget.js"
 * data-deployment="pk_...">` on any site adds the chat bubble. The browser source is bundled with
 * esbuild once (in the background at startup, so the first visitor does not wait) and kept in
 * memory; a failed build answers 500 with the reason and is retried on the next request.
 */
export function mountWidget(app: express.Express, ctx: AppContext, options: WidgetOptions = {}): void {
  const entry = options.entry ?? defaultWidgetEntry();
  setImmediate(() => {
    widgetBundle(entry).catch((error: unknown) => ctx.logger.error({ err: error }, 'the chat widget could not be built; GET /widget.js answers 500 until it can'));
  });

  const handle = async (req: Request, res: Response) => {
    // Other sites load this script: helmet's same-origin resource policy would make browsers
    // refuse it. The script itself is public and carries no secrets.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Access-Control-Allow-Origin', '*');
    let bundle: WidgetBundle;
    try {
      bundle = await widgetBundle(entry);
    } catch (error) {
      ctx.logger.error({ err: error, requestId: req.id }, 'the chat widget could not be built');
      res.setHeader('Cache-Control', 'no-store');
      res
        .status(500)
        .type('text/plain')
        .send(`The Nexus Flow chat widget could not be built, so this server cannot serve it yet: ${(error as Error).message}. Check the server log, fix the widget source, and reload.`);
      return;
    }
    send(req, res, bundle);
  };
  app.get('/widget.js', handle);
}
