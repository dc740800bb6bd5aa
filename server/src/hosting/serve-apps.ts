import { stat } from 'node:fs/promises';
import path from 'node:path';
import type express from 'express';
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.js';
import { isAppName, isWorkspaceId, versionFolder } from './app-paths.js';
import { escapeHtml } from '../http/escape-html.js';

/**
 * Why generated apps are served sandboxed.
 *
 * A generated app is code nobody reviewed (a model wrote it, maybe steered by whoever chatted with
 * the flow), and it is served from this server's origin. Same origin means its scripts could read
 * the editor's sign-in token from localStorage, call the API with it, or register a service worker,
 * all as the person who opens the app. `Content-Security-Policy: sandbox` without
 * `allow-same-origin` gives the document an opaque origin instead: it runs its own scripts and
 * forms, but localStorage, sessionStorage, IndexedDB, cookies and service workers of this origin
 * are out of its reach (they throw), and its requests to the API arrive as `Origin: null` without
 * credentials, which the API (bearer tokens only) treats as signed out. No `allow-top-navigation`:
 * framed in the editor, an app cannot navigate the editor away. The other directives let a typical
 * generated page work (inline scripts and styles, CDN assets over https) while plugins stay off.
 *
 * Its own files are then cross-origin to it, so they are served with CORP `cross-origin` and
 * `Access-Control-Allow-Origin: *` (public files, never sent with credentials).
 *
 * What the sandbox cannot stop: a page that looks like the editor's sign-in and asks for a password.
 * Serving apps from a host name of their own (not built yet) would remove that too.
 */
export const APP_CONTENT_SECURITY_POLICY = [
  'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads',
  "default-src 'self' https: data: blob: 'unsafe-inline' 'unsafe-eval'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** The 404 page runs no script at all. */
const NOT_FOUND_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'";
const MAX_SEGMENT_CHARS = 256;

function notFound(res: Response, what: string): void {
  res.status(404);
  res.setHeader('Content-Security-Policy', NOT_FOUND_POLICY);
  res.setHeader('Cache-Control', 'no-store');
  res.type('html').send(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title>` +
      `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>` +
      `<body><h1>Not found</h1><p>${escapeHtml(what)}</p></body></html>`,
  );
}

/**
 * The path segments of a request inside an app, or undefined when one could step outside the
 * version folder (`..`, `.`, an encoded `/` or `\`, a control character). Express has already
 * percent-decoded each segment, so `%2e%2e` arrives here as `..` and is refused like it.
 */
export function safeSegments(segments: readonly string[]): string[] | undefined {
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || segment.length > MAX_SEGMENT_CHARS) return undefined;
    if (/[\\/\u0000-\u001f\u007f]/.test(segment) || /^[A-Za-z]:/.test(segment)) return undefined;
  }
  return [...segments];
}

/** A file or folder in the live version, or undefined. */
async function kindOf(file: string): Promise<'file' | 'folder' | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) return undefined;
  return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : undefined;
}

/**
 * Serves the live version of each locally hosted app at `/apps/<workspaceId>/<name>/...`: the
 * folder answers its `index.html`, files get their content type, there is no directory listing,
 * and every answer carries {@link APP_CONTENT_SECURITY_POLICY}. An app whose live version is on
 * the hosting platform redirects there.
 */
export function mountApps(app: express.Express, ctx: Pick<AppContext, 'store' | 'config' | 'logger'>): void {
  async function serve(req: Request, res: Response): Promise<void> {
    const { workspaceId = '', name = '' } = req.params as Record<string, string>;
    const given = (req.params as { path?: string[] | string }).path;
    const raw = given === undefined ? [] : Array.isArray(given) ? [...given] : [given];
    // `js/` arrives as ["js", ""]: the empty last segment only says "the folder".
    if (raw.at(-1) === '' && req.path.endsWith('/')) raw.pop();
    const segments = safeSegments(raw);
    if (!isWorkspaceId(workspaceId) || !isAppName(name)) return notFound(res, 'There is no app at this address.');
    if (segments === undefined) return notFound(res, 'There is no such file in this app.');
    const live = await ctx.store.apps.live(workspaceId, name);
    if (live === undefined) return notFound(res, `No app named "${name}" is live here.`);
    if (live.target !== 'local') {
      if (live.url !== undefined && /^https?:\/\//.test(live.url)) return res.redirect(302, live.url);
      return notFound(res, `The app "${name}" is not hosted on this server.`);
    }
    const requestPath = req.path;
    // Relative links in index.html resolve against the folder, so folders always end in "/".
    const asFolder = () => res.redirect(301, `${requestPath}/${req.url.slice(requestPath.length)}`);
    if (!requestPath.endsWith('/') && segments.length === 0) return asFolder();
    const root = versionFolder(ctx.config.dataDir, workspaceId, name, live.version);
    let relative = segments.join('/');
    const kind = relative === '' ? 'folder' : await kindOf(path.join(root, relative));
    if (kind === undefined) return notFound(res, 'There is no such file in this app.');
    if (kind === 'folder') {
      if (!requestPath.endsWith('/')) return asFolder();
      relative = relative === '' ? 'index.html' : `${relative}/index.html`;
      if ((await kindOf(path.join(root, relative))) !== 'file') return notFound(res, 'This app has no page here (no index.html).');
    }
    res.setHeader('Content-Security-Policy', APP_CONTENT_SECURITY_POLICY);
    // The sandboxed page has an opaque origin: its own files must be loadable (CORP) and readable
    // (CORS: module scripts, fonts, fetch of its data files) from origin "null".
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Access-Control-Allow-Origin', '*');
    // A rollback switches versions under the same URL: browsers revalidate (ETag) every time.
    res.setHeader('Cache-Control', 'no-cache');
    await new Promise<void>((resolve) => {
      res.sendFile(relative, { root, dotfiles: 'allow', cacheControl: false }, (error) => {
        if (error === undefined || error === null) return resolve();
        if (!res.headersSent) notFound(res, 'There is no such file in this app.');
        // A visitor who went away mid-download is not a server problem.
        else if ((error as NodeJS.ErrnoException).code !== 'ECONNABORTED') ctx.logger.warn({ err: error, workspaceId, app: name }, 'serving an app file failed');
        resolve();
      });
    });
  }

  const handler = (req: Request, res: Response, next: express.NextFunction) => void serve(req, res).catch(next);
  app.get('/apps/:workspaceId/:name', handler);
  app.get('/apps/:workspaceId/:name/{*path}', handler);
}
