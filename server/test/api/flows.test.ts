import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { addMember, echoFlow, expectErrorShape, wsPath, type Owner } from './fixtures.js';

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Flows');
});
afterAll(async () => server?.stop());

const flows = (rest = '') => wsPath(owner.workspaceId, `/flows${rest}`);

describe('flows', () => {
  it('creates a blank flow with a trigger, its id made from the name', async () => {
    const first = await server.request('POST', flows(), { token: owner.token, body: { name: 'Support Bot!' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 'support-bot', name: 'Support Bot!', revision: 1 });
    expect(first.body.document.nodes).toEqual([{ id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} }]);
    const second = await server.request('POST', flows(), { token: owner.token, body: { name: 'Support Bot!' } });
    expect(second.body.id).toBe('support-bot-2');
  });

  it('creates a flow from a document, under the document id, and refuses the id twice (409)', async () => {
    const created = await server.request('POST', flows(), { token: owner.token, body: { document: echoFlow('echo-create') } });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe('echo-create');
    expect(created.body.document.nodes[1].config.text).toBe('You said: {{ message.text }}');
    const again = await server.request('POST', flows(), { token: owner.token, body: { document: echoFlow('echo-create') } });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('echo-create');
  });

  it('refuses a dangling edge with 400 and a pointer into /document/edges', async () => {
    const doc = echoFlow('dangling');
    doc.edges.push({ id: 'e2', source: 'echo', port: 'out', target: 'nowhere' });
    const res = await server.request('POST', flows(), { token: owner.token, body: { document: doc } });
    expect(res.status).toBe(400);
    expect(expectErrorShape(res.body).error).toBe('flow_invalid');
    expect(res.body.details).toEqual([expect.objectContaining({ pointer: expect.stringMatching(/^\/document\/edges\/1\//) })]);
    expect(res.body.details[0].message).toContain('nowhere');
    expect(await server.ctx.store.flows.get(owner.workspaceId, 'dangling')).toBeUndefined();
  });

  it('refuses an unknown node type and a bad config, each with its pointer', async () => {
    const doc = echoFlow('bad-nodes');
    doc.nodes.push({ id: 'mystery', type: 'acme/unknown', position: { x: 0, y: 0 }, config: {} });
    (doc.nodes[1] as { config: Record<string, unknown> }).config = { text: 42 };
    const res = await server.request('POST', flows(), { token: owner.token, body: { document: doc } });
    expect(res.status).toBe(400);
    const pointers = res.body.details.map((d: { pointer: string }) => d.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/document/nodes/2/type', '/document/nodes/1/config/text']));
  });

  it('lists flows in pages without documents', async () => {
    const solo = await server.signUp('Pages');
    for (const id of ['p-one', 'p-two', 'p-three']) {
      await server.request('POST', wsPath(solo.workspaceId, '/flows'), { token: solo.token, body: { document: echoFlow(id) } });
    }
    const first = await server.request('GET', `${wsPath(solo.workspaceId, '/flows')}?limit=2`, { token: solo.token });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].document).toBeUndefined();
    expect(typeof first.body.next).toBe('string');
    const second = await server.request('GET', `${wsPath(solo.workspaceId, '/flows')}?limit=2&cursor=${encodeURIComponent(first.body.next)}`, { token: solo.token });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next).toBeUndefined();
    const ids = [...first.body.items, ...second.body.items].map((f: { id: string }) => f.id).sort();
    expect(ids).toEqual(['p-one', 'p-three', 'p-two']);
  });

  it('answers 400 naming a bad limit or cursor', async () => {
    for (const [query, name] of [['limit=0', 'limit'], ['limit=abc', 'limit'], ['limit=1&limit=2', 'limit'], ['cursor=bm90LWEtY3Vyc29y', 'cursor']]) {
      const res = await server.request('GET', `${flows()}?${query}`, { token: owner.token });
      expect(res.status, query).toBe(400);
      expect(res.body.details[0].pointer).toBe(name);
      expect(res.body.message).toContain(`"${name}"`);
    }
  });

  it('saves with the revision read, refuses a stale revision with 409, and keeps the id', async () => {
    const created = await server.request('POST', flows(), { token: owner.token, body: { document: echoFlow('saved') } });
    const doc = { ...created.body.document, description: 'edited once' };
    const saved = await server.request('PUT', flows('/saved'), { token: owner.token, body: { document: doc, revision: 1 } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ revision: 2, document: { description: 'edited once' } });
    const stale = await server.request('PUT', flows('/saved'), { token: owner.token, body: { document: { ...doc, description: 'lost update' }, revision: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toBe('conflict');
    expect((await server.ctx.store.flows.get(owner.workspaceId, 'saved'))?.document.description).toBe('edited once');
    const moved = await server.request('PUT', flows('/saved'), { token: owner.token, body: { document: { ...doc, id: 'elsewhere' } } });
    expect(moved.status).toBe(400);
    expect(moved.body.details[0].pointer).toBe('/document/id');
    const renamed = await server.request('PUT', flows('/saved'), { token: owner.token, body: { name: 'Saved bot' } });
    expect(renamed.body).toMatchObject({ name: 'Saved bot', revision: 3, document: { name: 'Saved bot', description: 'edited once' } });
  });

  it('validates a saved draft like a new one', async () => {
    await server.request('POST', flows(), { token: owner.token, body: { document: echoFlow('validated-save') } });
    const doc = echoFlow('validated-save');
    doc.edges[0] = { id: 'e1', source: 'start', port: 'sideways', target: 'echo' };
    const res = await server.request('PUT', flows('/validated-save'), { token: owner.token, body: { document: doc } });
    expect(res.status).toBe(400);
    expect(res.body.details[0].pointer).toMatch(/^\/document\/edges\/0/);
  });

  it('deletes a flow (204) and then answers 404', async () => {
    await server.request('POST', flows(), { token: owner.token, body: { document: echoFlow('doomed') } });
    const res = await server.request('DELETE', flows('/doomed'), { token: owner.token });
    expect(res.status).toBe(204);
    expect((await server.request('GET', flows('/doomed'), { token: owner.token })).status).toBe(404);
    expect((await server.request('DELETE', flows('/doomed'), { token: owner.token })).status).toBe(404);
  });

  it('lets a viewer read but not write (403 naming the role)', async () => {
    const viewer = await addMember(server, owner, 'viewer', 'Flow viewer');
    const list = await server.request('GET', flows(), { token: viewer.token });
    expect(list.status).toBe(200);
    const res = await server.request('POST', flows(), { token: viewer.token, body: { name: 'nope' } });
    expect(res.status).toBe(403);
    expect(expectErrorShape(res.body).error).toBe('forbidden');
    expect(res.body.message).toContain('requires role editor');
    expect(res.body.message).toContain('viewer');
  });
});

describe('import and export', () => {
  it('imports a document as a new flow, refuses the id again, and replaces with ?replace=true', async () => {
    const imported = await server.request('POST', flows('/import'), { token: owner.token, body: echoFlow('imported') });
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ id: 'imported', revision: 1 });
    const again = await server.request('POST', flows('/import'), { token: owner.token, body: echoFlow('imported') });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('replace=true');
    const replaced = await server.request('POST', `${flows('/import')}?replace=true`, { token: owner.token, body: { ...echoFlow('imported'), name: 'Replaced' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: 'imported', name: 'Replaced', revision: 2 });
  });

  it('refuses an unknown format with the pointer /format and the formats it reads', async () => {
    const res = await server.request('POST', flows('/import'), { token: owner.token, body: { ...echoFlow('future'), format: 'nexusflow/flow@9' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_format');
    expect(res.body.details[0].pointer).toBe('/format');
    expect(res.body.message).toContain('nexusflow/flow@1');
    const missing = await server.request('POST', flows('/import'), { token: owner.token, body: { id: 'x', name: 'x', nodes: [], edges: [] } });
    expect(missing.status).toBe(400);
    expect(missing.body.details[0].pointer).toBe('/format');
  });

  it('refuses an invalid import with pointers into the document and a bad ?replace naming the parameter', async () => {
    const doc = echoFlow('bad-import');
    doc.edges[0] = { id: 'e1', source: 'ghost', port: 'out', target: 'echo' };
    const res = await server.request('POST', flows('/import'), { token: owner.token, body: doc });
    expect(res.status).toBe(400);
    expect(res.body.details[0].pointer).toMatch(/^\/edges\/0\//);
    const replace = await server.request('POST', `${flows('/import')}?replace=maybe`, { token: owner.token, body: echoFlow('bad-replace') });
    expect(replace.status).toBe(400);
    expect(replace.body.details[0].pointer).toBe('replace');
  });

  it('exports a download that is byte-identical every time and survives import then export', async () => {
    // Keys in an unusual order: the export puts them in the canonical one.
    const doc = echoFlow('exported');
    const shuffled = { edges: doc.edges, nodes: doc.nodes.map((n) => ({ config: n.config, position: { y: n.position.y, x: n.position.x }, type: n.type, id: n.id })), name: doc.name, id: doc.id, format: doc.format, variables: { z: 1, a: 2 } };
    await server.request('POST', flows('/import'), { token: owner.token, body: shuffled });
    const download = async () => {
      const res = await fetch(`${server.url}${flows('/exported/export')}`, { headers: { authorization: `Bearer ${owner.token}` } });
      return { res, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const first = await download();
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toBe('application/json');
    expect(first.res.headers.get('content-disposition')).toBe('attachment; filename="exported.flow.json"');
    const text = first.bytes.toString('utf8');
    expect(text.indexOf('"format"')).toBeLessThan(text.indexOf('"id"'));
    expect(text.indexOf('"z"')).toBeLessThan(text.indexOf('"a"'));
    expect(text.endsWith('\n')).toBe(true);
    const second = await download();
    expect(second.bytes.equals(first.bytes)).toBe(true);

    const other = await server.signUp('Round trip');
    const reimport = await server.request('POST', wsPath(other.workspaceId, '/flows/import'), { token: other.token, raw: text });
    expect(reimport.status).toBe(201);
    const again = await fetch(`${server.url}${wsPath(other.workspaceId, '/flows/exported/export')}`, { headers: { authorization: `Bearer ${other.token}` } });
    expect(Buffer.from(await again.arrayBuffer()).equals(first.bytes)).toBe(true);
  });

  it('answers 404 exporting a flow that does not exist', async () => {
    const res = await server.request('GET', flows('/missing/export'), { token: owner.token });
    expect(res.status).toBe(404);
    expect(expectErrorShape(res.body).message).toContain('missing');
  });
});
