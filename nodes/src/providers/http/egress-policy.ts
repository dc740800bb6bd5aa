import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { HttpCapabilityError } from './egress-error.js';
import { httpTargetOf } from '@nexusflow/engine';
import { isPrivateAddress } from './private-address.js';

// The host rule the capability gate uses (`http:<host>`), shared so both sides agree.
export { httpTargetOf };

/**
 * An allowlist entry in the same normal form: `API.example.com:80` → `api.example.com` would be
 * wrong for https, so only the URL parser's normalization of the host itself is applied
 * (case, IDN, IP forms), through a dummy http URL.
 */
export function normalizeAllowedHost(entry: string): string | undefined {
  if (entry.length === 0 || /[/?#@\\\s]/.test(entry)) return undefined;
  try {
    return new URL(`http://${entry}`).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Where a checked request may connect: the URL and the one IP address it was checked against. */
export interface EgressTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export interface EgressPolicy {
  allowedHosts: ReadonlySet<string>;
  allowPrivateNetworks: boolean;
  /** DNS resolution; `dns.promises.lookup` with all addresses by default. */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

function deny(message: string): HttpCapabilityError {
  return new HttpCapabilityError('egress_denied', message);
}

const defaultResolve = (hostname: string) => lookup(hostname, { all: true, verbatim: true });

/**
 * Checks one URL (the first request or any redirect hop) before anything connects: http(s) only, no
 * credentials, host on the node's allowlist, and unless private networks are allowed, every address
 * the name resolves to public. Returns the address to connect to, so the connection goes to the IP
 * that was checked and a second DNS answer (rebinding) cannot redirect it.
 */
export async function checkEgress(rawUrl: string, policy: EgressPolicy): Promise<EgressTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw deny(`${JSON.stringify(rawUrl.slice(0, 200))} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw deny(`the scheme ${url.protocol} is not allowed; use http or https`);
  // `http://allowed@evil` style URLs hide the real host from a reader; never send credentials in URLs.
  if (url.username !== '' || url.password !== '') throw deny('URLs with credentials (user@host) are not allowed; send them in a header');
  const target = httpTargetOf(url.href);
  if (target === undefined || !policy.allowedHosts.has(target)) {
    throw deny(`${target ?? url.host} is not in the node's allowedHosts`);
  }
  // The URL parser already turned decimal, octal and hex IPv4 forms into dotted decimal.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(hostname);
  let addresses: { address: string; family: number }[];
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal }];
  } else {
    try {
      addresses = await (policy.resolve ?? defaultResolve)(hostname);
    } catch (error) {
      throw new HttpCapabilityError('http_failed', `${hostname} does not resolve (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (addresses.length === 0) throw new HttpCapabilityError('http_failed', `${hostname} does not resolve`);
  if (!policy.allowPrivateNetworks) {
    // All of them, not just the first: the connection must not be able to land on a private one.
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad !== undefined) throw deny(`${hostname} resolves to ${bad.address}, a loopback, private or link-local address`);
  }
  const chosen = addresses[0]!;
  return { url, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}
