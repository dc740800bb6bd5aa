import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpCapability, isPrivateAddress, type TransportRequest } from '../../src/providers/http/index.js';
import { stepContext } from './context.js';
import { startDecoy, type Decoy } from './decoy.js';

let allowed: Decoy;
let forbidden: Decoy;
let other: Decoy;
beforeAll(async () => {
  allowed = await startDecoy((req, res) => {
    if (req.url === '/to-forbidden') res.writeHead(302, { location: forbidden.url('/stolen') }).end();
    else if (req.url === '/to-self') res.writeHead(301, { location: '/final' }).end();
    else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else if (req.url === '/see-other') res.writeHead(303, { location: '/final' }).end();
    else if (req.url === '/to-other') res.writeHead(307, { location: other.url('/landing') }).end();
    else if (req.url === '/big') res.writeHead(200, { 'content-length': '2000' }).end('x'.repeat(2000));
    else if (req.url === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('y'.repeat(600));
      setTimeout(() => res.end('y'.repeat(600)), 20);
    } else if (req.url === '/hang') {
      // Never answers: the fetch must give up on its own.
    } else if (req.url === '/json') res.writeHead(200, { 'content-type': 'application/json', 'x-decoy': 'allowed' }).end('{"ok":true}');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(`allowed ${req.method} ${req.url}`);
  });
  forbidden = await startDecoy();
  other = await startDecoy();
});
afterAll(async () => {
  await Promise.all([allowed.close(), forbidden.close(), other.close()]);
});

const context = stepContext();
const open = createHttpCapability({ allowPrivateNetworks: true });
const fetchVia = (handler: ReturnType<typeof createHttpCapability>, url: string, init: Record<string, unknown> = {}) =>
  handler('fetch', [url, { allowedHosts: [allowed.host], ...init }], context);

/** Resets hit counters, runs the attempt, then reports hits per decoy. */
async function hitsDuring(attempt: () => Promise<unknown>): Promise<{ allowed: number; forbidden: number; other: number; error: unknown }> {
  for (const decoy of [allowed, forbidden, other]) decoy.hits.length = 0;
  let error: unknown;
  try {
    await attempt();
  } catch (e) {
    error = e;
  }
  return { allowed: allowed.hits.length, forbidden: forbidden.hits.length, other: other.hits.length, error };
}

describe('http provider: allowed traffic', () => {
  it('fetches from the allowed host with method, headers and body', async () => {
    const response = await fetchVia(open, allowed.url('/json'), { method: 'post', headers: { 'X-Token': 't' }, body: '{"a":1}' });
    expect(response).toMatchObject({ status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json', 'x-decoy': 'allowed' } });
    const hit = allowed.hits.at(-1)!;
    expect(hit).toMatchObject({ method: 'POST', url: '/json', body: '{"a":1}' });
    expect(hit.headers['x-token']).toBe('t');
    expect(hit.headers.host).toBe(allowed.host);
  });

  it('follows a redirect on an allowed host, re-checked', async () => {
    const result = await hitsDuring(async () => expect(await fetchVia(open, allowed.url('/to-self'))).toMatchObject({ status: 200, body: 'allowed GET /final' }));
    expect(result).toMatchObject({ allowed: 2, forbidden: 0, error: undefined });
  });

  it('turns a 303 after POST into a GET without body', async () => {
    await fetchVia(open, allowed.url('/see-other'), { method: 'POST', body: 'x' });
    expect(allowed.hits.at(-1)).toMatchObject({ method: 'GET', url: '/final', body: '' });
  });

  it('drops credentials when a redirect leaves the origin for another allowed host', async () => {
    await fetchVia(open, allowed.url('/to-other'), { allowedHosts: [allowed.host, other.host], headers: { authorization: 'Bearer s3cret' } });
    expect(allowed.hits.at(-1)!.headers.authorization).toBe('Bearer s3cret');
    expect(other.hits.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('returns a 3xx as is when followRedirects is false', async () => {
    const result = await hitsDuring(async () => expect(await fetchVia(open, allowed.url('/to-forbidden'), { followRedirects: false })).toMatchObject({ status: 302 }));
    expect(result).toMatchObject({ allowed: 1, forbidden: 0 });
  });
});

describe('http provider: S-10 egress attacks, counted by decoys', () => {
  const denied = { code: 'egress_denied', message: expect.stringMatching(/^egress_denied: /) };
  const cases: [string, () => string][] = [
    ['another port on the same IP', () => forbidden.url('/')],
    ['credentials naming the allowed host', () => `http://${allowed.host}@127.0.0.1:${forbidden.port}/`],
    ['user@ form', () => `http://allowed@127.0.0.1:${forbidden.port}/`],
    ['IPv6 loopback', () => `http://[::1]:${forbidden.port}/`],
    ['IPv4-mapped IPv6', () => `http://[::ffff:127.0.0.1]:${forbidden.port}/`],
    ['decimal IP', () => `http://2130706433:${forbidden.port}/`],
    ['octal IP', () => `http://0177.0.0.1:${forbidden.port}/`],
    ['hex IP', () => `http://0x7f.0.0.1:${forbidden.port}/`],
    ['localhost by name', () => `http://localhost:${forbidden.port}/`],
    ['file://', () => 'file:///etc/passwd'],
    ['gopher://', () => `gopher://127.0.0.1:${forbidden.port}/_SET%20x`],
    ['not a URL', () => '/relative/path'],
  ];
  for (const [name, url] of cases) {
    it(`refuses ${name} before connecting`, async () => {
      const result = await hitsDuring(() => fetchVia(open, url()));
      expect(result.error).toMatchObject(denied);
      expect(result).toMatchObject({ allowed: 0, forbidden: 0, other: 0 });
    });
  }

  it('refuses a redirect to a forbidden port; only the allowed decoy is hit', async () => {
    const result = await hitsDuring(() => fetchVia(open, allowed.url('/to-forbidden')));
    expect(result.error).toMatchObject(denied);
    expect(result).toMatchObject({ allowed: 1, forbidden: 0 });
  });

  it('refuses loopback by default (allowPrivateNetworks off), even when listed', async () => {
    const result = await hitsDuring(() => fetchVia(createHttpCapability(), allowed.url('/')));
    expect(result.error).toMatchObject({ code: 'egress_denied', message: expect.stringContaining('127.0.0.1') });
    expect(result).toMatchObject({ allowed: 0, forbidden: 0 });
    // A listed name that resolves to loopback is refused after DNS, before connecting.
    const byName = await hitsDuring(() => fetchVia(createHttpCapability(), `http://localhost:${allowed.port}/`, { allowedHosts: [`localhost:${allowed.port}`] }));
    expect(byName.error).toMatchObject({ code: 'egress_denied', message: expect.stringMatching(/localhost resolves to .*loopback/) });
    expect(byName).toMatchObject({ allowed: 0, forbidden: 0 });
  });

  it('checks every DNS answer and connects to the checked address only', async () => {
    const seen: TransportRequest[] = [];
    const fetchImpl = async (request: TransportRequest) => {
      seen.push(request);
      return { status: 204, headers: {}, body: '' };
    };
    const publicOnly = createHttpCapability({ fetchImpl, resolve: async () => [{ address: '93.184.215.14', family: 4 }] });
    await publicOnly('fetch', ['https://api.example.com/x', { allowedHosts: ['API.example.com'] }], context);
    expect(seen.map((r) => [r.target.address, r.target.url.host])).toEqual([['93.184.215.14', 'api.example.com']]);

    const mixed = createHttpCapability({
      fetchImpl,
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    });
    await expect(mixed('fetch', ['https://api.example.com/x', { allowedHosts: ['api.example.com'] }], context)).rejects.toMatchObject({
      code: 'egress_denied',
      message: expect.stringContaining('169.254.169.254'),
    });
    expect(seen).toHaveLength(1);
  });

  it('stops after 5 redirects', async () => {
    const result = await hitsDuring(() => fetchVia(open, allowed.url('/loop')));
    expect(result.error).toMatchObject({ code: 'too_many_redirects' });
    expect(result.allowed).toBe(6);
  });
});

describe('http provider: size and time limits', () => {
  it('refuses a response whose declared length is over the cap', async () => {
    await expect(fetchVia(open, allowed.url('/big'), { maxResponseBytes: 1000 })).rejects.toMatchObject({ code: 'response_too_large' });
  });

  it('stops reading a chunked response at the cap', async () => {
    await expect(fetchVia(open, allowed.url('/big-chunked'), { maxResponseBytes: 1000 })).rejects.toMatchObject({ code: 'response_too_large' });
    expect((await fetchVia(open, allowed.url('/big-chunked'), { maxResponseBytes: 1200 })) as { body: string }).toMatchObject({ status: 200 });
  });

  it('gives up after timeoutMs', async () => {
    const started = Date.now();
    await expect(fetchVia(open, allowed.url('/hang'), { timeoutMs: 200 })).rejects.toMatchObject({ code: 'http_timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses limits above the maxima and bad arguments, with clear messages', async () => {
    await expect(fetchVia(open, allowed.url('/'), { timeoutMs: 30_001 })).rejects.toThrow(/timeoutMs must be an integer from 1 to 30000/);
    await expect(fetchVia(open, allowed.url('/'), { maxResponseBytes: 5 * 1024 * 1024 + 1 })).rejects.toThrow(/maxResponseBytes/);
    await expect(open('fetch', [allowed.url('/'), {}], context)).rejects.toThrow(/allowedHosts must list/);
    await expect(open('fetch', [allowed.url('/')], context)).rejects.toThrow(/allowedHosts/);
    await expect(fetchVia(open, allowed.url('/'), { headers: { Host: 'internal.example' } })).rejects.toThrow(/header Host is set by the runtime/);
    await expect(fetchVia(open, allowed.url('/'), { allowedHosts: ['a.com/path'] })).rejects.toThrow(/not a host/);
    await expect(open('get', [], context)).rejects.toThrow(/http has no method get/);
  });
});

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', 'not-an-ip'])(
    '%s is private',
    (address) => expect(isPrivateAddress(address)).toBe(true),
  );
  it.each(['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => expect(isPrivateAddress(address)).toBe(false));
});
