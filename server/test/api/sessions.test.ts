import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { addMember, chat, deployFlow, wsPath, type Owner } from './fixtures.js';

let server: TestServer;
let owner: Owner;
let viewer: Owner;
let deploymentId: string;
let sessionId: string;
let contactId: string;

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Sessions');
  viewer = await addMember(server, owner, 'viewer', 'Session viewer');
  ({ deployment: { id: deploymentId } } = await deployFlow(server, owner));
  const first = await chat(server, owner.workspaceId, deploymentId, 'alice', 'hello');
  await chat(server, owner.workspaceId, deploymentId, 'alice', 'again');
  await chat(server, owner.workspaceId, deploymentId, 'bob', 'hi from bob');
  sessionId = first.sessionId;
  contactId = first.contactId;
});
afterAll(async () => server?.stop());

const at = (rest: string) => wsPath(owner.workspaceId, rest);

describe('sessions', () => {
  it('lists conversations, filtered by deployment and contact', async () => {
    const all = await server.request('GET', at('/sessions'), { token: viewer.token });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    const alice = await server.request('GET', `${at('/sessions')}?contactId=${contactId}`, { token: viewer.token });
    expect(alice.body.items).toEqual([expect.objectContaining({ id: sessionId, contactId, deploymentId, channel: 'api' })]);
    const paged = await server.request('GET', `${at('/sessions')}?deploymentId=${deploymentId}&limit=1`, { token: viewer.token });
    expect(paged.body.items).toHaveLength(1);
    expect(typeof paged.body.next).toBe('string');
  });

  it('shows where a conversation stands, with its context only for editors and above', async () => {
    const forViewer = await server.request('GET', at(`/sessions/${sessionId}`), { token: viewer.token });
    expect(forViewer.status).toBe(200);
    expect(forViewer.body).toMatchObject({ id: sessionId, contactId, status: 'idle', turn: 2 });
    expect(forViewer.body.context).toBeUndefined();
    const forOwner = await server.request('GET', at(`/sessions/${sessionId}`), { token: owner.token });
    expect(forOwner.body.context).toMatchObject({ message: { text: 'again' } });
  });

  it('reads the transcript in order, after a sequence number, and the trace', async () => {
    const transcript = await server.request('GET', at(`/sessions/${sessionId}/transcript`), { token: viewer.token });
    expect(transcript.status).toBe(200);
    expect(transcript.body.items.map((e: { role: string; text: string }) => `${e.role}: ${e.text}`)).toEqual(['user: hello', 'bot: You said: hello', 'user: again', 'bot: You said: again']);
    expect(transcript.body.items[0].key).toBeUndefined();
    const later = await server.request('GET', `${at(`/sessions/${sessionId}/transcript`)}?afterSeq=2&limit=1`, { token: viewer.token });
    expect(later.body.items.map((e: { text: string }) => e.text)).toEqual(['again']);

    const trace = await server.request('GET', at(`/sessions/${sessionId}/trace`), { token: viewer.token });
    expect(trace.status).toBe(200);
    expect(trace.body.items.length).toBeGreaterThan(0);
    expect(trace.body.items.map((e: { event: { nodeId?: string } }) => e.event.nodeId)).toEqual(expect.arrayContaining(['start', 'echo']));
    const seqs = trace.body.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b));
  });

  it('answers 400 naming a bad afterSeq and 404 for an unknown session', async () => {
    const bad = await server.request('GET', `${at(`/sessions/${sessionId}/trace`)}?afterSeq=-1`, { token: viewer.token });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].pointer).toBe('afterSeq');
    for (const path of ['', '/transcript', '/trace']) {
      const res = await server.request('GET', at(`/sessions/AAAAAAAAAAAAAAAAAAAAAA${path}`), { token: viewer.token });
      expect(res.status, path).toBe(404);
    }
  });
});

describe('contacts', () => {
  it('lists contacts and reads one', async () => {
    const list = await server.request('GET', at('/contacts'), { token: viewer.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { externalId: string }) => c.externalId).sort()).toEqual(['alice', 'bob']);
    const one = await server.request('GET', at(`/contacts/${contactId}`), { token: viewer.token });
    expect(one.body).toMatchObject({ id: contactId, externalId: 'alice', channel: 'api' });
    expect((await server.request('GET', at('/contacts/AAAAAAAAAAAAAAAAAAAAAA'), { token: viewer.token })).status).toBe(404);
  });
});
