import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { addMember, echoFlow, expectErrorShape, tinyPlugin, wsPath, type Owner } from './fixtures.js';

let server: TestServer;
let owner: Owner;
beforeAll(async () => {
  server = await startTestServer();
  owner = await server.signUp('Plugins');
});
afterAll(async () => server?.stop());

const at = (rest: string, workspace = owner) => wsPath(workspace.workspaceId, rest);

/** A flow that uses the tiny plugin's node. */
function shoutFlow(id: string, plugin: string) {
  const doc = echoFlow(id);
  doc.nodes.push({ id: 'shout', type: `${plugin}/shout`, position: { x: 480, y: 0 }, config: { text: 'hi' } });
  doc.edges.push({ id: 'e2', source: 'echo', port: 'out', target: 'shout' });
  return doc;
}

describe('node types', () => {
  it('lists the palette: native types with their text and ports, core plugin types with manifest data', async () => {
    const res = await server.request('GET', at('/node-types'), { token: owner.token });
    expect(res.status).toBe(200);
    const byType = new Map(res.body.items.map((t: { type: string }) => [t.type, t]));
    expect(byType.get('core/trigger')).toMatchObject({ plugin: 'core', kind: 'native', title: 'Start', ports: ['out'], capabilities: [] });
    expect(byType.get('core/end')).toMatchObject({ kind: 'native', title: 'End', ports: [] });
    expect(byType.get('core/branch')).toMatchObject({ kind: 'native', dynamicPorts: true, ports: ['else'], config: { required: ['conditions'] } });
    expect(byType.get('core/wait')).toMatchObject({ kind: 'native', ports: ['out'] });
    const billing = byType.get('core/billing-check') as Record<string, unknown>;
    expect(billing).toMatchObject({ plugin: 'core', kind: 'plugin', title: 'Check credits', category: 'billing', icon: 'wallet', ports: ['ok', 'insufficient'], dynamicPorts: false });
    expect(billing.capabilities).toEqual(expect.arrayContaining(['billing']));
    expect((billing.config as { type: string }).type).toBe('object');
    for (const entry of res.body.items) expect(typeof entry.description, entry.type).toBe('string');
  });
});

describe('plugins', () => {
  it('uploads a plugin: stored with its hash, listed, and its node type joins the palette and validation', async () => {
    const body = tinyPlugin('shouter');
    const before = await server.request('POST', at('/flows'), { token: owner.token, body: { document: shoutFlow('uses-shouter-early', 'shouter') } });
    expect(before.status).toBe(400);

    const res = await server.request('POST', at('/plugins'), { token: owner.token, body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'shouter', version: '1.0.0', enabled: true, builtIn: false, nodeTypes: ['shouter/shout'] });
    expect(res.body.codeHash).toBe(createHash('sha256').update(body.code).digest('hex'));
    expect(res.body.code).toBeUndefined();
    expect((await server.ctx.store.plugins.get(owner.workspaceId, 'shouter'))?.code).toBe(body.code);

    const list = await server.request('GET', at('/plugins'), { token: owner.token });
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'core', builtIn: true }), expect.objectContaining({ name: 'shouter', builtIn: false })]));
    const palette = await server.request('GET', at('/node-types'), { token: owner.token });
    expect(palette.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'shouter/shout', plugin: 'shouter', pluginVersion: '1.0.0', kind: 'plugin', title: 'Shout (shouter/shout)', ports: ['out', 'empty'], limits: { timeoutMs: 1000, memoryMb: 16 } })]));
    const flow = await server.request('POST', at('/flows'), { token: owner.token, body: { document: shoutFlow('uses-shouter', 'shouter') } });
    expect(flow.status).toBe(201);
  });

  it('replaces the bundle of the same name (200) and keeps the plugin enabled', async () => {
    await server.request('POST', at('/plugins'), { token: owner.token, body: tinyPlugin('replaced') });
    const res = await server.request('POST', at('/plugins'), { token: owner.token, body: tinyPlugin('replaced', { version: '1.1.0' }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'replaced', version: '1.1.0', enabled: true });
  });

  it('refuses the name core with 403', async () => {
    const body = tinyPlugin('core', { declared: ['core/shout'] });
    const res = await server.request('POST', at('/plugins'), { token: owner.token, body });
    expect(res.status).toBe(403);
    expect(expectErrorShape(res.body).message).toContain('reserved');
    expect(await server.ctx.store.plugins.get(owner.workspaceId, 'core')).toBeUndefined();
  });

  it('refuses an invalid manifest with 400 and pointers into /manifest', async () => {
    const body = tinyPlugin('broken');
    (body.manifest.nodes[0] as { ports: string[] }).ports = ['error'];
    const res = await server.request('POST', at('/plugins'), { token: owner.token, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('plugin_invalid');
    expect(res.body.details[0].pointer).toMatch(/^\/manifest\/nodes\/0\/ports/);
    expect(await server.ctx.store.plugins.get(owner.workspaceId, 'broken')).toBeUndefined();
  });

  it('refuses a bundle that does not export what the manifest declares, and one that does not evaluate', async () => {
    const mismatch = tinyPlugin('mismatch', { declared: ['mismatch/shout'], exported: ['mismatch/other'] });
    const res = await server.request('POST', at('/plugins'), { token: owner.token, body: mismatch });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { code: string }) => d.code).sort()).toEqual(['node_not_declared', 'node_not_exported']);
    expect(res.body.details.find((d: { code: string }) => d.code === 'node_not_exported').pointer).toBe('/manifest/nodes/0/type');

    const broken = { ...tinyPlugin('syntax'), code: 'module.exports = {' };
    const syntax = await server.request('POST', at('/plugins'), { token: owner.token, body: broken });
    expect(syntax.status).toBe(400);
    expect(syntax.body.details[0].pointer).toBe('/code');
    expect(await server.ctx.store.plugins.get(owner.workspaceId, 'mismatch')).toBeUndefined();
  });

  it('disables, enables and deletes a plugin, and its node type leaves and rejoins validation', async () => {
    await server.request('POST', at('/plugins'), { token: owner.token, body: tinyPlugin('toggled') });
    const disabled = await server.request('PATCH', at('/plugins/toggled'), { token: owner.token, body: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.enabled).toBe(false);
    const refused = await server.request('POST', at('/flows'), { token: owner.token, body: { document: shoutFlow('toggled-flow', 'toggled') } });
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((d: { pointer: string }) => d.pointer)).toContain('/document/nodes/2/type');

    await server.request('PATCH', at('/plugins/toggled'), { token: owner.token, body: { enabled: true } });
    const accepted = await server.request('POST', at('/flows'), { token: owner.token, body: { document: shoutFlow('toggled-flow', 'toggled') } });
    expect(accepted.status).toBe(201);

    expect((await server.request('DELETE', at('/plugins/toggled'), { token: owner.token })).status).toBe(204);
    const publish = await server.request('POST', at('/flows/toggled-flow/versions'), { token: owner.token, body: {} });
    expect(publish.status).toBe(400);
    expect(publish.body.details[0].pointer).toBe('/document/nodes/2/type');
    expect((await server.request('DELETE', at('/plugins/toggled'), { token: owner.token })).status).toBe(404);
    expect((await server.request('PATCH', at('/plugins/toggled'), { token: owner.token, body: { enabled: true } })).status).toBe(404);
  });

  it('keeps plugins per workspace', async () => {
    const other = await server.signUp('Other plugins');
    await server.request('POST', at('/plugins'), { token: owner.token, body: tinyPlugin('private') });
    const list = await server.request('GET', at('/plugins', other), { token: other.token });
    expect(list.body.items.map((p: { name: string }) => p.name)).not.toContain('private');
    const flow = await server.request('POST', at('/flows', other), { token: other.token, body: { document: shoutFlow('borrowed', 'private') } });
    expect(flow.status).toBe(400);
  });

  it('refuses uploads to an editor (403 naming the role)', async () => {
    const editor = await addMember(server, owner, 'editor', 'Plugin editor');
    const res = await server.request('POST', at('/plugins'), { token: editor.token, body: tinyPlugin('by-editor') });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('requires role admin');
  });
});
