import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { HttpCapabilityError } from './egress-error.js';
import type { EgressTarget } from './egress-policy.js';

/** One HTTP exchange to an already-checked address, without following redirects. */
export interface TransportRequest {
  target: EgressTarget;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
  maxResponseBytes: number;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Performs one exchange; the default connects with node:http(s) to `target.address` only. */
export type HttpTransport = (request: TransportRequest) => Promise<TransportResponse>;

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function tooLarge(limit: number): HttpCapabilityError {
  return new HttpCapabilityError('response_too_large', `the response is larger than maxResponseBytes (${limit} bytes)`);
}

/**
 * The default transport. The `lookup` hook answers with the address the egress check approved, so
 * no second DNS resolution happens between the check and the connection; the URL's host name still
 * goes into the Host header and TLS SNI, so certificates are verified against the name. The body is
 * counted while it arrives and the request destroyed at the cap, so a huge response costs at most
 * `maxResponseBytes` of memory.
 */
export const nodeHttpTransport: HttpTransport = (request) =>
  new Promise((resolve, reject) => {
    const { target } = request;
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all === true) callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const client = target.url.protocol === 'https:' ? https : http;
    const req = client.request(target.url, {
      method: request.method,
      headers: request.headers,
      lookup: pinned,
      signal: request.signal,
      // One connection per request: a pooled socket could belong to an earlier, different check.
      agent: false,
    });
    req.on('error', (error) => {
      if (error instanceof HttpCapabilityError) reject(error);
      else if (request.signal.aborted) reject(request.signal.reason instanceof Error ? request.signal.reason : error);
      else reject(new HttpCapabilityError('http_failed', `${target.url.host}: ${error.message}`, { cause: error }));
    });
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > request.maxResponseBytes) {
        req.destroy(tooLarge(request.maxResponseBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > request.maxResponseBytes) {
          req.destroy(tooLarge(request.maxResponseBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => req.destroy(error));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
