import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { API, expectErrorShape } from './fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

describe('sign-up', () => {
  it('creates the account and its workspace, with the caller as owner', async () => {
    const res = await server.request('POST', `${API}/auth/signup`, { body: { email: 'Ada@Example.COM', password: 'correct horse battery', name: 'Ada', workspaceName: 'Engines' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    expect(res.body.workspace).toMatchObject({ name: 'Engines', role: 'owner' });
    expect(res.body.token).toMatch(/^eyJ/);
    expect(JSON.stringify(res.body)).not.toContain('passwordHash');
    const stored = await server.ctx.store.users.byEmail('ada@example.com');
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(await server.ctx.store.members.get(res.body.workspace.id, res.body.user.id)).toMatchObject({ role: 'owner' });
  });

  it('names the workspace after the person when no name is given', async () => {
    const res = await server.request('POST', `${API}/auth/signup`, { body: { email: 'grace@example.com', password: 'correct horse battery', name: 'Grace' } });
    expect(res.status).toBe(201);
    expect(res.body.workspace.name).toBe("Grace's workspace");
  });

  it('refuses a taken email whatever its case with 409 email_taken', async () => {
    await server.request('POST', `${API}/auth/signup`, { body: { email: 'taken@example.com', password: 'correct horse battery', name: 'First' } });
    const res = await server.request('POST', `${API}/auth/signup`, { body: { email: 'TAKEN@example.com', password: 'another good password', name: 'Second' } });
    expect(res.status).toBe(409);
    expect(expectErrorShape(res.body).error).toBe('email_taken');
    expect(res.body.message).toContain('taken@example.com');
  });

  it('refuses a short password and a malformed email, naming the fields', async () => {
    const res = await server.request('POST', `${API}/auth/signup`, { body: { email: 'not-an-email', password: 'short', name: 'X' } });
    expect(res.status).toBe(400);
    const pointers = expectErrorShape(res.body).details?.map((d) => d.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/email', '/password']));
  });

  it('refuses a password of spaces with the policy message', async () => {
    const res = await server.request('POST', `${API}/auth/signup`, { body: { email: 'spaces@example.com', password: '          ', name: 'Spaces' } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ pointer: '/password', message: 'password must not be only whitespace' }]);
  });
});

describe('login, refresh and me', () => {
  it('signs in with any email case and lists the workspaces with roles', async () => {
    const owner = await server.signUp('Login');
    const res = await server.request('POST', `${API}/auth/login`, { body: { email: owner.email.toUpperCase(), password: owner.password } });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(owner.userId);
    expect(res.body.workspaces).toEqual([expect.objectContaining({ id: owner.workspaceId, role: 'owner' })]);
    const me = await server.request('GET', `${API}/me`, { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: owner.userId, email: owner.email });
    expect(me.body.workspaces[0]).toMatchObject({ id: owner.workspaceId, role: 'owner' });
  });

  it('answers the same 401 for an unknown email and a wrong password', async () => {
    const owner = await server.signUp('Wrong');
    const wrong = await server.request('POST', `${API}/auth/login`, { body: { email: owner.email, password: 'not the password' } });
    const unknown = await server.request('POST', `${API}/auth/login`, { body: { email: 'nobody@example.com', password: 'not the password' } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error).toBe('invalid_credentials');
    expect(unknown.body.error).toBe('invalid_credentials');
    expect(wrong.body.message).toBe(unknown.body.message);
  });

  it('refreshes a token into a new one that works', async () => {
    const owner = await server.signUp('Refresh');
    const res = await server.request('POST', `${API}/auth/refresh`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.token).toMatch(/^eyJ/);
    const me = await server.request('GET', `${API}/me`, { token: res.body.token });
    expect(me.body.user.id).toBe(owner.userId);
  });

  it('refuses /me without a token (401) and for an API key (403)', async () => {
    const anonymous = await server.request('GET', `${API}/me`);
    expect(anonymous.status).toBe(401);
    expect(expectErrorShape(anonymous.body).error).toBe('unauthorized');
    const owner = await server.signUp('Keyed');
    const key = await server.request('POST', `${API}/workspaces/${owner.workspaceId}/api-keys`, { token: owner.token, body: { name: 'k', scopes: ['read'] } });
    const withKey = await server.request('GET', `${API}/me`, { token: key.body.key });
    expect(withKey.status).toBe(403);
    expect(withKey.body.message).toContain('API keys cannot use it');
  });
});

describe('failed sign-ins are throttled', () => {
  it('answers 429 with Retry-After once an email failed too often, even with the right password', async () => {
    const throttled = await startTestServer({ AUTH_FAILURES_PER_15_MINUTES: '3' });
    try {
      const owner = await throttled.signUp('Throttled');
      for (let i = 0; i < 3; i += 1) {
        const res = await throttled.request('POST', `${API}/auth/login`, { body: { email: owner.email, password: `wrong ${i} password` } });
        expect(res.status).toBe(401);
      }
      const blocked = await throttled.request('POST', `${API}/auth/login`, { body: { email: owner.email, password: owner.password } });
      expect(blocked.status).toBe(429);
      expect(expectErrorShape(blocked.body).error).toBe('too_many_failures');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await throttled.stop();
    }
  });
});
