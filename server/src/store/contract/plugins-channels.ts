import { describe, expect, it } from 'vitest';
import { newWorkspace, pluginManifest, useStore } from './helpers.js';
import type { OpenStore } from './types.js';

const bundle = (name: string, version: string) => ({ name, version, manifest: pluginManifest(name, version), code: `module.exports = { v: "${version}" };`, codeHash: `hash-${version}` });

/** Uploaded plugins and channel connections. */
export function pluginsContract(open: OpenStore): void {
  describe('plugins, channel connections', () => {
    const store = useStore(open);

    it('adds a plugin enabled, replaces its bundle keeping enabled, and deletes it', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const first = await store().plugins.put(W, bundle('acme', '1.0.0'));
      expect(first).toMatchObject({ workspaceId: W, ...bundle('acme', '1.0.0'), enabled: true });
      expect(await store().plugins.get(W, 'acme')).toEqual(first);

      const disabled = await store().plugins.setEnabled(W, 'acme', false);
      expect(disabled).toMatchObject({ enabled: false, version: '1.0.0' });
      const replaced = await store().plugins.put(W, bundle('acme', '1.1.0'));
      expect(replaced).toMatchObject({ id: first.id, version: '1.1.0', code: bundle('acme', '1.1.0').code, codeHash: 'hash-1.1.0', enabled: false, createdAt: first.createdAt });
      expect(replaced.manifest.version).toBe('1.1.0');
      expect(replaced.updatedAt).toBeGreaterThanOrEqual(first.updatedAt);

      await store().plugins.put(W, bundle('beta', '0.1.0'));
      const list = await store().plugins.list(W);
      expect(list.map((p) => p.name).sort()).toEqual(['acme', 'beta']);
      for (const item of list) expect(item).not.toHaveProperty('code');
      expect(list.find((p) => p.name === 'acme')).toEqual((({ code: _code, ...rest }) => rest)(replaced));

      expect((await store().plugins.setEnabled(W, 'acme', true))?.enabled).toBe(true);
      expect(await store().plugins.setEnabled(W, 'nope', true)).toBeUndefined();
      expect(await store().plugins.delete(W, 'acme')).toBe(true);
      expect(await store().plugins.delete(W, 'acme')).toBe(false);
      expect(await store().plugins.get(W, 'acme')).toBeUndefined();
    });

    it("keeps workspace A away from B's plugins, and B's data unchanged", async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const theirs = await store().plugins.put(b.workspace.id, bundle('shared-name', '2.0.0'));
      const A = a.workspace.id;
      expect(await store().plugins.get(A, 'shared-name')).toBeUndefined();
      expect(await store().plugins.list(A)).toEqual([]);
      expect(await store().plugins.setEnabled(A, 'shared-name', false)).toBeUndefined();
      expect(await store().plugins.delete(A, 'shared-name')).toBe(false);
      // The same name in A is A's own plugin.
      const mine = await store().plugins.put(A, bundle('shared-name', '9.9.9'));
      expect(mine.id).not.toBe(theirs.id);
      expect(await store().plugins.get(b.workspace.id, 'shared-name')).toEqual(theirs);
    });

    it('creates, updates, lists and deletes channel connections', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const connection = await store().channels.create(W, { deploymentId: 'dep-1', kind: 'whatsapp-cloud', name: 'Sales line', config: { phoneNumberId: '123' }, status: 'pending' });
      expect(connection).toMatchObject({ workspaceId: W, deploymentId: 'dep-1', kind: 'whatsapp-cloud', name: 'Sales line', config: { phoneNumberId: '123' }, status: 'pending' });
      expect(await store().channels.get(W, connection.id)).toEqual(connection);
      // A webhook URL carries only the id; boot starts every connection.
      expect(await store().channels.byId(connection.id)).toEqual(connection);
      expect(await store().channels.byId('nope')).toBeUndefined();
      expect((await store().channels.listAll()).map((c) => c.id)).toContain(connection.id);

      const live = await store().channels.update(W, connection.id, { status: 'connected' });
      expect(live).toEqual({ ...connection, status: 'connected', updatedAt: live!.updatedAt });
      const renamed = await store().channels.update(W, connection.id, { name: 'Support line', config: { phoneNumberId: '456' } });
      expect(renamed).toMatchObject({ name: 'Support line', config: { phoneNumberId: '456' }, status: 'connected' });
      expect(await store().channels.update(W, 'nope', { status: 'x' })).toBeUndefined();

      const web = await store().channels.create(W, { deploymentId: 'dep-1', kind: 'web', name: 'Widget', config: {}, status: 'active' });
      expect((await store().channels.list(W)).map((c) => c.id).sort()).toEqual([connection.id, web.id].sort());
      expect(await store().channels.delete(W, connection.id)).toBe(true);
      expect(await store().channels.delete(W, connection.id)).toBe(false);
      expect(await store().channels.get(W, connection.id)).toBeUndefined();
      expect(await store().channels.list(W)).toEqual([web]);
    });

    it("keeps workspace A away from B's channel connections, and B's data unchanged", async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const theirs = await store().channels.create(b.workspace.id, { deploymentId: 'd', kind: 'whatsapp', name: 'B', config: { token: 'secret' }, status: 'connected' });
      const A = a.workspace.id;
      expect(await store().channels.get(A, theirs.id)).toBeUndefined();
      expect(await store().channels.list(A)).toEqual([]);
      expect(await store().channels.update(A, theirs.id, { config: { token: 'stolen' } })).toBeUndefined();
      expect(await store().channels.delete(A, theirs.id)).toBe(false);
      expect(await store().channels.list(b.workspace.id)).toEqual([theirs]);
    });
  });
}
