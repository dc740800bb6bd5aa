import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/http/routes/index.js';
import { startTestServer, type TestServer } from '../harness.js';
import { API, echoFlow, expectErrorShape, wsPath, type Owner } from './fixtures.js';

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Errors');
});
afterAll(async () => server?.stop());

describe('error paths (A-13)', () => {
  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await server.request('POST', `${API}/workspaces`, { token: owner.token, raw: '{"name": "half' });
    expect(res.status).toBe(400);
    expect(expectErrorShape(res.body).error).toBe('invalid_json');
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers a body over the route limit with 413 payload_too_large, and keeps larger limits where declared', async () => {
    const big = `{"name":"${'x'.repeat(1_100_000)}"}`;
    const res = await server.request('POST', `${API}/workspaces`, { token: owner.token, raw: big });
    expect(res.status).toBe(413);
    expect(expectErrorShape(res.body).error).toBe('payload_too_large');
    // Import takes up to 5 MB: a 2 MB document is parsed and then validated.
    const doc = { ...echoFlow('large-import'), description: 'x'.repeat(2_000_000) };
    const large = await server.request('POST', wsPath(owner.workspaceId, '/flows/import'), { token: owner.token, body: doc });
    expect(large.status).toBe(400);
    expect(large.body.error).toBe('flow_invalid');
    expect(large.body.details[0].pointer).toBe('/description');
    const huge = await server.request('POST', wsPath(owner.workspaceId, '/flows/import'), { token: owner.token, raw: JSON.stringify({ ...doc, description: 'x'.repeat(6_000_000) }) });
    expect(huge.status).toBe(413);
  });

  it('keeps ?a[__proto__][x]=1 a flat key: no prototype pollution', async () => {
    for (const query of ['a[__proto__][x]=1', '__proto__[x]=1', 'constructor[prototype][x]=1', 'limit[__proto__][x]=1']) {
      const res = await server.request('GET', `${wsPath(owner.workspaceId, '/flows')}?${query}`, { token: owner.token });
      expect(res.status, query).toBe(200);
      expect(res.body.items, query).toEqual([]);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'x')).toBe(false);
  });

  it('answers an unknown /api/v1 path with 404 JSON that points at the OpenAPI document', async () => {
    const res = await server.request('GET', `${API}/no/such/endpoint?x=1`, { token: owner.token });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(expectErrorShape(res.body).error).toBe('not_found');
    expect(res.body.message).toContain('/api/v1/no/such/endpoint');
    expect(res.body.message).toContain('openapi.json');
  });

  it('asks for a JSON body when none or another content type is sent', async () => {
    const res = await server.request('POST', `${API}/workspaces`, { token: owner.token, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(400);
    expect(expectErrorShape(res.body).message).toContain('Content-Type: application/json');
  });

  it('gives every error the shape {error, message, requestId}', async () => {
    const answers = await Promise.all([
      server.request('GET', `${API}/workspaces`),
      server.request('GET', `${API}/workspaces`, { token: 'not-a-token' }),
      server.request('GET', wsPath('not-mine'), { token: owner.token }),
      server.request('POST', `${API}/workspaces`, { token: owner.token, body: { name: '' } }),
      server.request('POST', `${API}/auth/login`, { body: { email: 'x@example.com', password: 'nope nope' } }),
      server.request('DELETE', wsPath(owner.workspaceId, '/flows/nope'), { token: owner.token }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([401, 401, 404, 400, 401, 404]);
    for (const res of answers) {
      const body = expectErrorShape(res.body);
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
      expect(body.message.length).toBeGreaterThan(10);
      expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });
});

describe('OpenAPI', () => {
  it('is an OpenAPI 3.1 document listing every route with its access and body', async () => {
    const res = await server.request('GET', `${API}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(50);
    for (const route of routes) {
      const path = `${API}${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
      const operation = res.body.paths[path]?.[route.method];
      expect(operation, `${route.method} ${path}`).toBeDefined();
      expect(operation.summary).toBe(route.summary);
      expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual([...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]));
      if (route.body !== undefined) {
        expect(operation.requestBody.content['application/json'].schema.$ref).toBe(`#/components/schemas/${route.body}`);
        expect(res.body.components.schemas[route.body]).toBeDefined();
      }
      if (route.access.kind === 'workspace') expect(operation['x-nexusflow-access']).toEqual({ role: route.access.role, scope: route.access.scope });
      else if (route.access.kind === 'public') expect(operation.security).toEqual([]);
    }
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size, 'a route is declared twice').toBe(keys.length);
  });
});
