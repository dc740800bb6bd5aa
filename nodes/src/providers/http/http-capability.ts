import { NexusError } from '@nexusflow/engine';
import { unknownMethod } from '../args.js';
import type { CapabilityHandler } from '../types.js';
import { HttpCapabilityError } from './egress-error.js';
import { checkEgress, normalizeAllowedHost, type EgressPolicy } from './egress-policy.js';
import { nodeHttpTransport, type HttpTransport, type TransportResponse } from './transport.js';

/** Longest wait for one fetch, all redirect hops included. */
export const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Largest response body read; the sandbox's result limit (1 MiB by default) may be lower. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_RESPONSE_BYTES = 1024 * 1024;
export const MAX_REDIRECTS = 5;
const MAX_ALLOWED_HOSTS = 50;
const MAX_HEADERS = 50;

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Headers the runtime sets: a user `Host` would reach another virtual host on the checked IP. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer']);
/** Dropped when a redirect leaves the origin, as browsers do. */
const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie', 'proxy-authorization'];

export interface HttpCapabilityOptions {
  /** Lets requests reach loopback, private and link-local addresses; tests and local setups only. */
  allowPrivateNetworks?: boolean;
  /** The exchange itself; defaults to node:http(s) connecting to the checked address. */
  fetchImpl?: HttpTransport;
  /** DNS resolution; defaults to `dns.promises.lookup` (all addresses). */
  resolve?: EgressPolicy['resolve'];
}

/** The checked `init` of `http.fetch`. */
interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  allowedHosts: Set<string>;
  timeoutMs: number;
  maxResponseBytes: number;
  followRedirects: boolean;
}

function bad(message: string): NexusError {
  return new NexusError('capability_failed', `http.fetch: ${message}`);
}

function boundedInteger(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw bad(`${name} must be an integer from 1 to ${max}`);
  return value;
}

function parseInit(value: unknown): FetchInit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('needs an init object with allowedHosts, e.g. { allowedHosts: ["api.example.com"] }');
  }
  const init = value as Record<string, unknown>;
  const method = (init['method'] ?? 'GET') as unknown;
  if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) throw bad(`method must be one of ${[...METHODS].join(', ')}`);
  const list = init['allowedHosts'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ALLOWED_HOSTS) {
    throw bad(`allowedHosts must list 1 to ${MAX_ALLOWED_HOSTS} hosts such as "api.example.com" or "127.0.0.1:4100"`);
  }
  const allowedHosts = new Set<string>();
  for (const entry of list) {
    const host = typeof entry === 'string' ? normalizeAllowedHost(entry) : undefined;
    if (host === undefined) throw bad(`allowedHosts: ${JSON.stringify(entry)} is not a host[:port]`);
    allowedHosts.add(host);
  }
  const headers: Record<string, string> = {};
  const rawHeaders = init['headers'] ?? {};
  if (typeof rawHeaders !== 'object' || rawHeaders === null || Array.isArray(rawHeaders) || Object.keys(rawHeaders).length > MAX_HEADERS) {
    throw bad(`headers must be an object of at most ${MAX_HEADERS} string values`);
  }
  for (const [name, headerValue] of Object.entries(rawHeaders)) {
    if (typeof headerValue !== 'string') throw bad(`header ${name} must be a string`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw bad(`header ${name} is set by the runtime and cannot be given`);
    headers[name.toLowerCase()] = headerValue;
  }
  const body = init['body'];
  if (body !== undefined && typeof body !== 'string') throw bad('body must be a string (JSON.stringify objects first)');
  return {
    method: method.toUpperCase(),
    headers,
    body,
    allowedHosts,
    timeoutMs: boundedInteger(init['timeoutMs'], 'timeoutMs', DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS),
    maxResponseBytes: boundedInteger(init['maxResponseBytes'], 'maxResponseBytes', DEFAULT_RESPONSE_BYTES, MAX_RESPONSE_BYTES),
    followRedirects: init['followRedirects'] !== false,
  };
}

/**
 * Follows redirects by hand so every hop goes through `checkEgress` again: a 3xx pointing at a host
 * that is not allowed fails with `egress_denied` before anything connects to it.
 */
async function fetchChecked(url: string, init: FetchInit, options: HttpCapabilityOptions, signal: AbortSignal): Promise<TransportResponse> {
  const transport = options.fetchImpl ?? nodeHttpTransport;
  const policy: EgressPolicy = { allowedHosts: init.allowedHosts, allowPrivateNetworks: options.allowPrivateNetworks === true };
  if (options.resolve !== undefined) policy.resolve = options.resolve;
  let current = url;
  let method = init.method;
  let body = init.body;
  const headers = { ...init.headers };
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'text/plain; charset=utf-8';
  for (let hop = 0; ; hop += 1) {
    const target = await checkEgress(current, policy);
    const response = await transport({ target, method, headers, body, signal, maxResponseBytes: init.maxResponseBytes });
    const location = response.headers['location'];
    if (!init.followRedirects || response.status < 300 || response.status > 399 || location === undefined) return response;
    if (hop >= MAX_REDIRECTS) throw new HttpCapabilityError('too_many_redirects', `more than ${MAX_REDIRECTS} redirects, last to ${location.slice(0, 200)}`);
    const next = new URL(location, target.url);
    if (next.origin !== target.url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
    // 303, and 301/302 after a POST, turn into a GET without a body (what every client does).
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      delete headers['content-type'];
    }
    current = next.href;
  }
}

/**
 * `ctx.http.fetch(url, init)` for nodes declaring `http:<host>` or (core/http only) `http:*`.
 * `init.allowedHosts` is required: the node's own list, which every request and redirect hop must
 * match (S-10). Refusals fail with `egress_denied` before any connection; other failures are
 * `http_timeout`, `response_too_large`, `too_many_redirects` and `http_failed`.
 *
 * @example
 * const http = createHttpCapability();
 * await http('fetch', ['https://api.example.com/x', { allowedHosts: ['api.example.com'] }], context);
 */
export function createHttpCapability(options: HttpCapabilityOptions = {}): CapabilityHandler {
  return async (method, args) => {
    if (method !== 'fetch') throw unknownMethod('http', method);
    const url = args[0];
    if (typeof url !== 'string' || url.length > 8192) throw bad('needs the URL as a string of at most 8192 characters');
    const init = parseInit(args[1]);
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new HttpCapabilityError('http_timeout', `no complete answer within ${init.timeoutMs} ms (timeoutMs)`)),
      init.timeoutMs,
    );
    try {
      return await fetchChecked(url, init, options, controller.signal);
    } catch (error) {
      if (controller.signal.aborted && !(error instanceof HttpCapabilityError && error.code !== 'http_failed')) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}
