import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { addMember, echoFlow, expectErrorShape, wsPath, type Owner } from './fixtures.js';

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Deployer');
});
afterAll(async () => server?.stop());

const at = (rest: string) => wsPath(owner.workspaceId, rest);

async function flowWithVersions(id: string, count: number): Promise<string[]> {
  await server.request('POST', at('/flows'), { token: owner.token, body: { document: echoFlow(id) } });
  const ids: string[] = [];
  for (let i = 1; i <= count; i += 1) {
    await server.request('PUT', at(`/flows/${id}`), { token: owner.token, body: { document: { ...echoFlow(id), description: `v${i}` } } });
    const published = await server.request('POST', at(`/flows/${id}/versions`), { token: owner.token, body: { note: `release ${i}` } });
    ids.push(published.body.id);
  }
  return ids;
}

describe('versions', () => {
  it('publishes immutable numbered versions with the compiled hash, newest first', async () => {
    await server.request('POST', at('/flows'), { token: owner.token, body: { document: echoFlow('versioned') } });
    const v1 = await server.request('POST', at('/flows/versioned/versions'), { token: owner.token, body: { note: 'first' } });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ flowId: 'versioned', version: 1, note: 'first', createdBy: owner.userId });
    expect(v1.body.hash).toMatch(/^[0-9a-f]{64}$/);
    await server.request('PUT', at('/flows/versioned'), { token: owner.token, body: { document: { ...echoFlow('versioned'), description: 'changed' } } });
    const v2 = await server.request('POST', at('/flows/versioned/versions'), { token: owner.token, body: {} });
    expect(v2.body.version).toBe(2);
    expect(v2.body.hash).not.toBe(v1.body.hash);

    const list = await server.request('GET', at('/flows/versioned/versions'), { token: owner.token });
    expect(list.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(list.body.items[0].document).toBeUndefined();
    const one = await server.request('GET', at(`/versions/${v1.body.id}`), { token: owner.token });
    expect(one.status).toBe(200);
    expect(one.body.document.description).toBeUndefined();
    expect(one.body.document.id).toBe('versioned');
  });

  it('answers 404 for versions of a missing flow and a missing version', async () => {
    expect((await server.request('POST', at('/flows/nope/versions'), { token: owner.token, body: {} })).status).toBe(404);
    expect((await server.request('GET', at('/flows/nope/versions'), { token: owner.token })).status).toBe(404);
    const missing = await server.request('GET', at('/versions/AAAAAAAAAAAAAAAAAAAAAA'), { token: owner.token });
    expect(missing.status).toBe(404);
    expect(expectErrorShape(missing.body).error).toBe('not_found');
  });
});

describe('deployments', () => {
  it('refuses to deploy a flow with no version (409), then deploys its newest version', async () => {
    await server.request('POST', at('/flows'), { token: owner.token, body: { document: echoFlow('fresh') } });
    const early = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'fresh', key: 'fresh' } });
    expect(early.status).toBe(409);
    expect(early.body.message).toContain('publish a version first');
    const [, newest] = await flowWithVersions('fresh-2', 2);
    const res = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'fresh-2', key: 'fresh-two', name: 'Fresh' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ flowId: 'fresh-2', key: 'fresh-two', name: 'Fresh', versionId: newest });
    expect(res.body.publishableKey).toMatch(/^pk_[A-Za-z0-9_-]{24}$/);
    expect(res.body.history).toEqual([expect.objectContaining({ versionId: newest, by: owner.userId })]);

    const list = await server.request('GET', `${at('/deployments')}?flowId=fresh-2`, { token: owner.token });
    expect(list.body.items.map((d: { key: string }) => d.key)).toEqual(['fresh-two']);
    const read = await server.request('GET', at(`/deployments/${res.body.id}`), { token: owner.token });
    expect(read.body.publishableKey).toBe(res.body.publishableKey);
  });

  it('refuses a taken key (409), a version of another flow (400) and an unknown flow (404)', async () => {
    const [versionA] = await flowWithVersions('clash-a', 1);
    await flowWithVersions('clash-b', 1);
    expect((await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'clash-a', key: 'clash' } })).status).toBe(201);
    const taken = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'clash-b', key: 'clash' } });
    expect(taken.status).toBe(409);
    expect(taken.body.details[0].pointer).toBe('/key');
    const wrongFlow = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'clash-b', key: 'clash-b', versionId: versionA } });
    expect(wrongFlow.status).toBe(400);
    expect(wrongFlow.body.details[0].pointer).toBe('/versionId');
    const noFlow = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'no-such-flow', key: 'ghost' } });
    expect(noFlow.status).toBe(404);
    const badKey = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'clash-a', key: 'Not A Slug' } });
    expect(badKey.status).toBe(400);
    expect(badKey.body.details[0].pointer).toBe('/key');
  });

  it('points at another version, rolls back to the one before, and says when there is nothing to roll back to', async () => {
    const [v1, , v3] = await flowWithVersions('rolling', 3);
    const created = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'rolling', key: 'rolling', versionId: v1 } });
    const id = created.body.id;
    const nothing = await server.request('POST', at(`/deployments/${id}/rollback`), { token: owner.token });
    expect(nothing.status).toBe(409);
    expect(nothing.body.error).toBe('nothing_to_roll_back');

    const pointed = await server.request('PUT', at(`/deployments/${id}/version`), { token: owner.token, body: { versionId: v3 } });
    expect(pointed.status).toBe(200);
    expect(pointed.body.versionId).toBe(v3);
    expect(pointed.body.history.map((h: { versionId: string }) => h.versionId)).toEqual([v1, v3]);

    const rolled = await server.request('POST', at(`/deployments/${id}/rollback`), { token: owner.token });
    expect(rolled.status).toBe(200);
    expect(rolled.body.versionId).toBe(v1);
    expect((await server.ctx.store.deployments.get(owner.workspaceId, id))?.versionId).toBe(v1);

    const otherFlow = await flowWithVersions('rolling-other', 1);
    const refused = await server.request('PUT', at(`/deployments/${id}/version`), { token: owner.token, body: { versionId: otherFlow[0] } });
    expect(refused.status).toBe(400);
    expect((await server.ctx.store.deployments.get(owner.workspaceId, id))?.versionId).toBe(v1);
  });

  it('deletes a deployment (204), then answers 404', async () => {
    await flowWithVersions('deleted-dep', 1);
    const created = await server.request('POST', at('/deployments'), { token: owner.token, body: { flowId: 'deleted-dep', key: 'deleted-dep' } });
    expect((await server.request('DELETE', at(`/deployments/${created.body.id}`), { token: owner.token })).status).toBe(204);
    expect((await server.request('GET', at(`/deployments/${created.body.id}`), { token: owner.token })).status).toBe(404);
    expect(await server.ctx.store.deployments.get(owner.workspaceId, created.body.id)).toBeUndefined();
  });

  it('lets an editor publish but not deploy (403 naming the role)', async () => {
    await flowWithVersions('editor-flow', 0);
    const editor = await addMember(server, owner, 'editor', 'Deploy editor');
    const published = await server.request('POST', at('/flows/editor-flow/versions'), { token: editor.token, body: {} });
    expect(published.status).toBe(201);
    const res = await server.request('POST', at('/deployments'), { token: editor.token, body: { flowId: 'editor-flow', key: 'editor-flow' } });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('requires role admin');
  });
});
