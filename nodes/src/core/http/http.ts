import { defineNode } from '@nexusflow/engine/sdk';

export interface HttpConfig {
  url: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  headers?: Record<string, string>;
  /** Raw request body. */
  body?: string;
  /** JSON request body; sent with `content-type: application/json` unless a header says otherwise. */
  json?: unknown;
  /** The only hosts (`host[:port]`) this node may reach, redirects included. */
  allowedHosts: string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Follow up to 5 redirects (each re-checked); when false a 3xx leaves through `redirect`. */
  followRedirects?: boolean;
}

export type HttpPort = 'ok' | 'redirect' | 'client_error' | 'server_error';

interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  allowedHosts: string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
  followRedirects?: boolean;
}

function portOf(status: number): HttpPort {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 300 && status < 400) return 'redirect';
  if (status >= 400 && status < 500) return 'client_error';
  // 5xx, and anything outside the classes (1xx finals, nonsense codes) is the server's fault.
  return 'server_error';
}

function parseJson(headers: Record<string, string>, body: string): { json: unknown } | undefined {
  const type = headers['content-type'] ?? '';
  if (!/[/+]json\b/i.test(type) || body.length === 0) return undefined;
  try {
    return { json: JSON.parse(body) as unknown };
  } catch {
    // A server lying about its content type is not a failed request: `body` still has the text.
    return undefined;
  }
}

/**
 * Calls an HTTP API on one of the node's `allowedHosts` and leaves by status class: `ok` (2xx),
 * `redirect` (3xx), `client_error` (4xx), `server_error` (5xx). Output `{ status, headers, body,
 * json? }`, `json` when the response says it is JSON and parses. Refused egress, timeouts and
 * oversized responses leave through the error port.
 */
export const httpRequest = defineNode<HttpConfig, HttpPort, 'http'>({
  async run({ config }, ctx) {
    const headers: Record<string, string> = { ...config.headers };
    let body = config.body;
    if (config.json !== undefined) {
      if (body !== undefined) throw new Error('core/http: give body or json, not both');
      body = JSON.stringify(config.json);
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const init: FetchInit = { method: config.method ?? 'GET', headers, allowedHosts: config.allowedHosts };
    if (body !== undefined) init.body = body;
    if (config.timeoutMs !== undefined) init.timeoutMs = config.timeoutMs;
    if (config.maxResponseBytes !== undefined) init.maxResponseBytes = config.maxResponseBytes;
    if (config.followRedirects !== undefined) init.followRedirects = config.followRedirects;
    const response = await ctx.http.fetch(config.url, init);
    return { port: portOf(response.status), output: { status: response.status, headers: response.headers, body: response.body, ...parseJson(response.headers, response.body) } };
  },
});
