import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { API, addMember, createApiKey, expectErrorShape, wsPath, type Owner } from './fixtures.js';

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Owner');
});
afterAll(async () => server?.stop());

describe('workspaces', () => {
  it('creates a workspace, lists it with the role, reads and renames it', async () => {
    const created = await server.request('POST', `${API}/workspaces`, { token: owner.token, body: { name: 'Second' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Second', role: 'owner' });
    const list = await server.request('GET', `${API}/workspaces`, { token: owner.token });
    expect(list.body.items.map((w: { name: string; role: string }) => `${w.name}:${w.role}`).sort()).toEqual(["Owner's workspace:owner", 'Second:owner']);
    const renamed = await server.request('PATCH', wsPath(created.body.id), { token: owner.token, body: { name: 'Renamed' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: created.body.id, name: 'Renamed' });
    const read = await server.request('GET', wsPath(created.body.id), { token: owner.token });
    expect(read.body).toMatchObject({ id: created.body.id, name: 'Renamed', role: 'owner' });
  });

  it('answers 404 to a non-member, never the workspace', async () => {
    const stranger = await server.signUp('Stranger');
    const res = await server.request('GET', wsPath(owner.workspaceId), { token: stranger.token });
    expect(res.status).toBe(404);
    expect(expectErrorShape(res.body).error).toBe('not_found');
    expect(JSON.stringify(res.body)).not.toContain("Owner's workspace");
  });

  it('refuses a rename by an editor with 403 naming the role', async () => {
    const editor = await addMember(server, owner, 'editor', 'Renaming editor');
    const res = await server.request('PATCH', wsPath(owner.workspaceId), { token: editor.token, body: { name: 'Mine now' } });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('requires role admin');
    expect((await server.ctx.store.workspaces.byId(owner.workspaceId))?.name).toBe("Owner's workspace");
  });

  it('refuses a misspelt field in the body, naming it', async () => {
    const res = await server.request('POST', `${API}/workspaces`, { token: owner.token, body: { nmae: 'typo' } });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { pointer: string }) => d.pointer)).toEqual(expect.arrayContaining(['/nmae']));
  });
});

describe('members', () => {
  it('adds a person by email with a role and lists members with emails', async () => {
    const person = await server.signUp('Member');
    const added = await server.request('POST', wsPath(owner.workspaceId, '/members'), { token: owner.token, body: { email: person.email.toUpperCase(), role: 'editor' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ userId: person.userId, email: person.email, role: 'editor' });
    const list = await server.request('GET', wsPath(owner.workspaceId, '/members'), { token: person.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ userId: owner.userId, role: 'owner' }), expect.objectContaining({ userId: person.userId, role: 'editor' })]));
  });

  it('answers 404 naming the email of someone without an account', async () => {
    const res = await server.request('POST', wsPath(owner.workspaceId, '/members'), { token: owner.token, body: { email: 'Ghost@example.com', role: 'viewer' } });
    expect(res.status).toBe(404);
    expect(res.body.message).toContain('ghost@example.com');
  });

  it('refuses adding someone twice with 409', async () => {
    const person = await addMember(server, owner, 'viewer', 'Twice');
    const res = await server.request('POST', wsPath(owner.workspaceId, '/members'), { token: owner.token, body: { email: person.email, role: 'admin' } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('already_member');
    expect(await server.ctx.store.members.get(owner.workspaceId, person.userId)).toMatchObject({ role: 'viewer' });
  });

  it('lets only an owner grant or change the owner role', async () => {
    const admin = await addMember(server, owner, 'admin', 'Admin');
    const person = await server.signUp('Would-be owner');
    const grant = await server.request('POST', wsPath(owner.workspaceId, '/members'), { token: admin.token, body: { email: person.email, role: 'owner' } });
    expect(grant.status).toBe(403);
    expect(grant.body.message).toContain('only an owner');
    const demote = await server.request('PATCH', wsPath(owner.workspaceId, `/members/${owner.userId}`), { token: admin.token, body: { role: 'viewer' } });
    expect(demote.status).toBe(403);
    const remove = await server.request('DELETE', wsPath(owner.workspaceId, `/members/${owner.userId}`), { token: admin.token });
    expect(remove.status).toBe(403);
    expect(await server.ctx.store.members.get(owner.workspaceId, owner.userId)).toMatchObject({ role: 'owner' });
  });

  it('changes a role and removes a member', async () => {
    const person = await addMember(server, owner, 'viewer', 'Promoted');
    const promoted = await server.request('PATCH', wsPath(owner.workspaceId, `/members/${person.userId}`), { token: owner.token, body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ userId: person.userId, role: 'admin', email: person.email });
    const removed = await server.request('DELETE', wsPath(owner.workspaceId, `/members/${person.userId}`), { token: owner.token });
    expect(removed.status).toBe(204);
    expect(await server.ctx.store.members.get(owner.workspaceId, person.userId)).toBeUndefined();
    const again = await server.request('DELETE', wsPath(owner.workspaceId, `/members/${person.userId}`), { token: owner.token });
    expect(again.status).toBe(404);
  });

  it('never demotes or removes the last owner (409), but does once there is another', async () => {
    const solo = await server.signUp('Solo');
    const demote = await server.request('PATCH', wsPath(solo.workspaceId, `/members/${solo.userId}`), { token: solo.token, body: { role: 'admin' } });
    expect(demote.status).toBe(409);
    expect(demote.body.error).toBe('last_owner');
    const remove = await server.request('DELETE', wsPath(solo.workspaceId, `/members/${solo.userId}`), { token: solo.token });
    expect(remove.status).toBe(409);
    expect(await server.ctx.store.members.get(solo.workspaceId, solo.userId)).toMatchObject({ role: 'owner' });

    await addMember(server, solo, 'owner', 'Co-owner');
    const nowFine = await server.request('PATCH', wsPath(solo.workspaceId, `/members/${solo.userId}`), { token: solo.token, body: { role: 'admin' } });
    expect(nowFine.status).toBe(200);
    expect(nowFine.body.role).toBe('admin');
  });

  it('refuses member management to a read-scoped API key, naming the scope', async () => {
    const key = await createApiKey(server, owner, ['read'], 'admin');
    const list = await server.request('GET', wsPath(owner.workspaceId, '/members'), { token: key.key });
    expect(list.status).toBe(200);
    const person = await server.signUp('Via key');
    const add = await server.request('POST', wsPath(owner.workspaceId, '/members'), { token: key.key, body: { email: person.email, role: 'viewer' } });
    expect(add.status).toBe(403);
    expect(add.body.message).toContain('requires scope admin');
  });
});
