import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { addMember, expectErrorShape, wsPath, type Owner } from './fixtures.js';

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Keys');
});
afterAll(async () => server?.stop());

const at = (rest: string) => wsPath(owner.workspaceId, rest);

describe('API keys', () => {
  it('creates a key shown once, lists it without its hash, and the key works', async () => {
    const created = await server.request('POST', at('/api-keys'), { token: owner.token, body: { name: 'CI', scopes: ['read', 'write'], role: 'editor' } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^nf_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/);
    expect(created.body.apiKey).toMatchObject({ name: 'CI', scopes: ['read', 'write'], role: 'editor', prefix: created.body.key.slice(0, 15) });
    expect(created.body.apiKey.hash).toBeUndefined();

    const list = await server.request('GET', at('/api-keys'), { token: owner.token });
    expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.apiKey.id, prefix: created.body.apiKey.prefix, createdBy: owner.userId })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(list.body.items[0].hash).toBeUndefined();

    const used = await server.request('GET', at('/flows'), { token: created.body.key });
    expect(used.status).toBe(200);
  });

  it('defaults to a chat-scoped editor key', async () => {
    const created = await server.request('POST', at('/api-keys'), { token: owner.token, body: { name: 'Widget backend' } });
    expect(created.body.apiKey).toMatchObject({ scopes: ['chat'], role: 'editor' });
    const read = await server.request('GET', at('/flows'), { token: created.body.key });
    expect(read.status).toBe(403);
    expect(read.body.message).toContain('requires scope read');
  });

  it('revokes a key: it stops working at once, and revoking twice answers 404', async () => {
    const created = await server.request('POST', at('/api-keys'), { token: owner.token, body: { name: 'Short-lived', scopes: ['read'] } });
    const revoked = await server.request('DELETE', at(`/api-keys/${created.body.apiKey.id}`), { token: owner.token });
    expect(revoked.status).toBe(204);
    const used = await server.request('GET', at('/flows'), { token: created.body.key });
    expect(used.status).toBe(401);
    expect(expectErrorShape(used.body).error).toBe('invalid_api_key');
    const listed = await server.request('GET', at('/api-keys'), { token: owner.token });
    expect(listed.body.items.find((k: { id: string }) => k.id === created.body.apiKey.id).revokedAt).toEqual(expect.any(Number));
    expect((await server.request('DELETE', at('/api-keys/AAAAAAAAAAAAAAAAAAAAAA'), { token: owner.token })).status).toBe(404);
  });

  it('refuses a key with a higher role than its creator (403)', async () => {
    const admin = await addMember(server, owner, 'admin', 'Key admin');
    const res = await server.request('POST', at('/api-keys'), { token: admin.token, body: { name: 'Escalate', scopes: ['admin'], role: 'owner' } });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('higher role');
    expect(res.body.details[0].pointer).toBe('/role');
    const fine = await server.request('POST', at('/api-keys'), { token: admin.token, body: { name: 'Same level', scopes: ['admin'], role: 'admin' } });
    expect(fine.status).toBe(201);
  });

  it('refuses key management to editors (403 naming the role)', async () => {
    const editor = await addMember(server, owner, 'editor', 'Key editor');
    const res = await server.request('GET', at('/api-keys'), { token: editor.token });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('requires role admin');
  });
});

describe('secrets', () => {
  it('sets, lists (names only), replaces and deletes a secret', async () => {
    expect((await server.request('PUT', at('/secrets/CRM_TOKEN'), { token: owner.token, body: { value: 's3cret-value' } })).status).toBe(204);
    expect((await server.request('PUT', at('/secrets/CRM_TOKEN'), { token: owner.token, body: { value: 'rotated-value' } })).status).toBe(204);
    expect(await server.ctx.store.secrets.get(owner.workspaceId, 'CRM_TOKEN')).toBe('rotated-value');
    const list = await server.request('GET', at('/secrets'), { token: owner.token });
    expect(list.body).toEqual({ items: [{ name: 'CRM_TOKEN' }] });
    expect(JSON.stringify(list.body)).not.toContain('rotated-value');
    expect((await server.request('DELETE', at('/secrets/CRM_TOKEN'), { token: owner.token })).status).toBe(204);
    expect(await server.ctx.store.secrets.get(owner.workspaceId, 'CRM_TOKEN')).toBeUndefined();
    expect((await server.request('DELETE', at('/secrets/CRM_TOKEN'), { token: owner.token })).status).toBe(404);
  });

  it('refuses a badly named secret and an empty value with 400', async () => {
    for (const name of ['lower_case', '9LIVES', 'A'.repeat(65), 'HAS-DASH']) {
      const res = await server.request('PUT', at(`/secrets/${name}`), { token: owner.token, body: { value: 'x' } });
      expect(res.status, name).toBe(400);
      expect(res.body.details[0].pointer).toBe('name');
    }
    const empty = await server.request('PUT', at('/secrets/EMPTY'), { token: owner.token, body: { value: '' } });
    expect(empty.status).toBe(400);
    expect(empty.body.details[0].pointer).toBe('/value');
  });

  it('hides secrets from editors (403)', async () => {
    const editor = await addMember(server, owner, 'editor', 'Secret editor');
    const res = await server.request('GET', at('/secrets'), { token: editor.token });
    expect(res.status).toBe(403);
  });
});

describe('providers', () => {
  it('says each provider runs on the offline demo model without keys', async () => {
    const viewer = await addMember(server, owner, 'viewer', 'Provider viewer');
    const res = await server.request('GET', at('/providers'), { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { provider: string; mode: string }) => `${p.provider}:${p.mode}`).sort()).toEqual(['anthropic:offline-demo', 'openai:offline-demo']);
    expect(res.body.items[0].description).toEqual(expect.any(String));
  });
});
