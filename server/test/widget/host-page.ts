import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A customer's website for the widget tests: plain HTML on its own 127.0.0.1 port (so another
 * origin than the Nexus Flow server), with global CSS that tries hard to wreck anything it reaches.
 */

/** The host page's hostile styles: they must not change how the widget looks or behaves. */
export const HOSTILE_CSS = `
* { all: unset; color: red !important; font-size: 40px !important; font-family: "Comic Sans MS", cursive !important; line-height: 3 !important; letter-spacing: 4px !important; }
div { display: none !important; }
button { background: lime !important; border: 6px dashed blue !important; padding: 30px !important; border-radius: 0 !important; }
textarea, input { background: yellow !important; font-size: 60px !important; }
svg, img { width: 300px !important; height: 300px !important; }
nexusflow-widget { display: none !important; opacity: 0 !important; transform: scale(0) !important; position: static !important; }
head, title, style, script, link, meta { display: none !important; }
html, body { display: block; background: #fdfcf7; padding: 24px; }
h1, p, section { display: block; margin: 0 0 12px; }
`;

/** A product picture a reply shows (SVG keeps the test free of binary fixtures). */
const PRODUCT_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="300" viewBox="0 0 480 300">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#6366f1"/><stop offset="1" stop-color="#0ea5e9"/></linearGradient></defs>
<rect width="480" height="300" fill="url(#g)"/><rect x="150" y="70" width="180" height="150" rx="28" fill="#fff" opacity="0.95"/>
<circle cx="205" cy="135" r="16" fill="#4f46e5"/><circle cx="275" cy="135" r="16" fill="#4f46e5"/><rect x="200" y="175" width="80" height="12" rx="6" fill="#0ea5e9"/>
<text x="240" y="270" font-family="sans-serif" font-size="26" font-weight="700" text-anchor="middle" fill="#fff">Nexus One</text></svg>`;

export interface WidgetTag {
  serverUrl: string;
  publishableKey: string;
  /** Other `data-*` settings: title, theme, color, position, start-message, greeting. */
  data?: Record<string, string>;
}

export interface HostSite {
  origin: string;
  /** Serves a page with the widget's script tag (and this Content-Security-Policy, if given); answers its URL. */
  page(path: string, tag: WidgetTag, csp?: string): string;
  close(): Promise<void>;
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function html(tag: WidgetTag): string {
  const data = Object.entries({ deployment: tag.publishableKey, ...(tag.data ?? {}) })
    .map(([name, value]) => ` data-${name}="${escapeAttribute(value)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme Robotics</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/hostile.css"></head>
<body>
<h1>Acme Robotics</h1>
<p>Friendly robots for every home. This page's own CSS resets every element, paints all text red at 40px and hides every div.</p>
<section><div class="page-div">a div the page hides</div></section>
<script src="${tag.serverUrl}/widget.js"${data}></script>
</body>
</html>`;
}

export async function startHostSite(): Promise<HostSite> {
  const pages = new Map<string, { html: string; csp?: string }>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/hostile.css') return void res.writeHead(200, { 'content-type': 'text/css' }).end(HOSTILE_CSS);
    if (path === '/product.svg') return void res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(PRODUCT_SVG);
    const page = pages.get(path);
    if (page === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...(page.csp === undefined ? {} : { 'content-security-policy': page.csp }) }).end(page.html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    page(path, tag, csp) {
      pages.set(path, { html: html(tag), ...(csp === undefined ? {} : { csp }) });
      return `${origin}${path}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
