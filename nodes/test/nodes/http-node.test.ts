import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapabilityContext, LoadedPlugin } from '@nexusflow/engine';
import { runNode } from '@nexusflow/engine/testing';
import { createHttpCapability } from '../../src/providers/http/index.js';
import { startDecoy, type Decoy } from './decoy.js';
import { loadCorePlugin } from '../../src/index.js';

let core: LoadedPlugin;
let allowed: Decoy;
let forbidden: Decoy;
beforeAll(async () => {
  core = await loadCorePlugin();
  allowed = await startDecoy((req, res, body) => {
    if (req.url === '/to-forbidden') res.writeHead(302, { location: forbidden.url('/') }).end();
    else res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body === '' ? null : JSON.parse(body) }));
  });
  forbidden = await startDecoy();
});
afterAll(async () => {
  await Promise.all([allowed.close(), forbidden.close()]);
});

const answer = (status: number, headers: Record<string, string> = {}, body = '') => () => ({ status, headers, body });

describe('core/http node (isolate, fake http)', () => {
  it('passes url and init through and leaves by status class', async () => {
    const calls: unknown[][] = [];
    const cases: [number, string][] = [
      [200, 'ok'],
      [204, 'ok'],
      [302, 'redirect'],
      [404, 'client_error'],
      [503, 'server_error'],
    ];
    for (const [status, port] of cases) {
      const result = await runNode({
        plugin: core,
        type: 'core/http',
        config: { url: 'https://api.example.com/orders/{{ vars.id }}', allowedHosts: ['api.example.com'], timeoutMs: 5000, maxResponseBytes: 1000 },
        vars: { id: 7 },
        capabilities: {
          http: {
            fetch: (url: unknown, init: unknown) => {
              calls.push([url, init]);
              return answer(status, { 'content-type': 'text/plain' }, 'body')();
            },
          },
        },
      });
      expect(result).toEqual({ port, output: { status, headers: { 'content-type': 'text/plain' }, body: 'body' } });
    }
    expect(calls[0]).toEqual([
      'https://api.example.com/orders/7',
      { method: 'GET', headers: {}, allowedHosts: ['api.example.com'], timeoutMs: 5000, maxResponseBytes: 1000 },
    ]);
  });

  it('sends json with a content type and parses a JSON answer', async () => {
    let init: { headers?: Record<string, string>; body?: string; method?: string } = {};
    const result = await runNode({
      plugin: core,
      type: 'core/http',
      config: { url: 'https://api.example.com/', method: 'POST', json: { name: '{{ vars.name }}' }, allowedHosts: ['api.example.com'] },
      vars: { name: 'Ada' },
      capabilities: {
        http: {
          fetch: (_url: unknown, given: unknown) => {
            init = given as typeof init;
            return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"id":1}' };
          },
        },
      },
    });
    expect(init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' });
    expect(result.output).toEqual({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"id":1}', json: { id: 1 } });
  });

  it('keeps a non-JSON body as text only', async () => {
    const result = await runNode({
      plugin: core,
      type: 'core/http',
      config: { url: 'https://api.example.com/', allowedHosts: ['api.example.com'] },
      capabilities: { http: { fetch: answer(200, { 'content-type': 'application/json' }, 'not json') } },
    });
    expect(result.output).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: 'not json' });
  });

  it('config needs allowedHosts, caps the limits and refuses body with json', async () => {
    const base = { url: 'https://api.example.com/' };
    for (const config of [
      base,
      { ...base, allowedHosts: [] },
      { ...base, allowedHosts: ['a'], timeoutMs: 30_001 },
      { ...base, allowedHosts: ['a'], maxResponseBytes: 5 * 1024 * 1024 + 1 },
      { ...base, allowedHosts: ['a'], body: 'x', json: {} },
    ]) {
      await expect(runNode({ plugin: core, type: 'core/http', config })).rejects.toMatchObject({ code: 'flow_invalid' });
    }
  });

  it('a non-http URL is refused by the sandbox gate before any host call', async () => {
    let called = 0;
    await expect(
      runNode({
        plugin: core,
        type: 'core/http',
        config: { url: 'file:///etc/passwd', allowedHosts: ['api.example.com'] },
        capabilities: { http: { fetch: () => void (called += 1) } },
      }),
    ).rejects.toMatchObject({ code: 'capability_failed' });
    expect(called).toBe(0);
  });
});

describe('core/http node with the real provider and decoys', () => {
  const provider = createHttpCapability({ allowPrivateNetworks: true });
  const http = { fetch: (url: unknown, init: unknown, context: unknown) => provider('fetch', [url, init], context as CapabilityContext) };

  it('reaches the allowed decoy', async () => {
    const result = await runNode({
      plugin: core,
      type: 'core/http',
      config: { url: allowed.url('/echo'), method: 'PUT', json: { a: 1 }, allowedHosts: [allowed.host] },
      capabilities: { http },
    });
    expect(result).toMatchObject({ port: 'ok', output: { status: 201, json: { echo: { a: 1 } } } });
  });

  it('a redirect to a forbidden port fails the step with egress_denied; the forbidden decoy sees nothing', async () => {
    forbidden.hits.length = 0;
    allowed.hits.length = 0;
    await expect(runNode({ plugin: core, type: 'core/http', config: { url: allowed.url('/to-forbidden'), allowedHosts: [allowed.host] }, capabilities: { http } })).rejects.toMatchObject({
      // The provider's code becomes the step's error code (engine run-step), so flows can branch on it.
      code: 'egress_denied',
      message: expect.stringContaining('egress_denied: '),
    });
    expect(allowed.hits).toHaveLength(1);
    expect(forbidden.hits).toHaveLength(0);
  });

  it('a URL outside allowedHosts fails with egress_denied and hits nothing', async () => {
    forbidden.hits.length = 0;
    await expect(runNode({ plugin: core, type: 'core/http', config: { url: forbidden.url('/'), allowedHosts: [allowed.host] }, capabilities: { http } })).rejects.toMatchObject({
      // The provider's code becomes the step's error code (engine run-step), so flows can branch on it.
      code: 'egress_denied',
      message: expect.stringContaining('egress_denied: '),
    });
    expect(forbidden.hits).toHaveLength(0);
  });
});
