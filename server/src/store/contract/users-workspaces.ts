import { describe, expect, it } from 'vitest';
import { newWorkspace, storeError, unique, useStore } from './helpers.js';
import type { OpenStore } from './types.js';

/** Users, workspaces, members and API keys. */
export function usersAndWorkspacesContract(open: OpenStore): void {
  describe('users, workspaces, members, API keys', () => {
    const store = useStore(open);

    it('creates users with lowercased emails, found by id and by email in any case', async () => {
      const email = `${unique('Ada')}@Example.COM`;
      const user = await store().users.create({ email, name: 'Ada', passwordHash: 'h' });
      expect(user).toMatchObject({ email: email.toLowerCase(), name: 'Ada', passwordHash: 'h' });
      expect(user.id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(typeof user.createdAt).toBe('number');
      expect(await store().users.byId(user.id)).toEqual(user);
      expect(await store().users.byEmail(email.toUpperCase())).toEqual(user);
      expect(await store().users.byEmail('nobody@example.com')).toBeUndefined();
      expect(await store().users.byId('nope')).toBeUndefined();
    });

    it('refuses a taken email, whatever its case, as a conflict naming the email', async () => {
      const email = `${unique('grace')}@example.com`;
      await store().users.create({ email, name: 'Grace', passwordHash: 'h' });
      const error = await storeError(store().users.create({ email: email.toUpperCase(), name: 'Other', passwordHash: 'h2' }), 'conflict');
      expect(error.message).toContain(email);
      expect((await store().users.byEmail(email))?.name).toBe('Grace');
    });

    it('creates a workspace with its owner membership, lists it for the user and renames it', async () => {
      const { workspace, owner } = await newWorkspace(store(), 'First');
      expect(workspace).toMatchObject({ name: 'First' });
      expect(await store().workspaces.byId(workspace.id)).toEqual(workspace);
      expect(await store().members.get(workspace.id, owner.id)).toMatchObject({ workspaceId: workspace.id, userId: owner.id, role: 'owner' });
      expect(await store().members.countOwners(workspace.id)).toBe(1);

      const second = await store().workspaces.create({ name: 'Second', ownerId: owner.id });
      const mine = await store().workspaces.forUser(owner.id);
      expect(mine.map((w) => [w.id, w.name, w.role]).sort()).toEqual(
        [
          [workspace.id, 'First', 'owner'],
          [second.id, 'Second', 'owner'],
        ].sort(),
      );
      expect(await store().workspaces.rename(workspace.id, 'Renamed')).toEqual({ ...workspace, name: 'Renamed' });
      expect((await store().workspaces.byId(workspace.id))?.name).toBe('Renamed');
      expect(await store().workspaces.rename('nope', 'x')).toBeUndefined();
      expect(await store().workspaces.byId('nope')).toBeUndefined();
      expect(await store().workspaces.listIds()).toEqual(expect.arrayContaining([workspace.id, second.id]));
      expect(await store().workspaces.forUser('nobody')).toEqual([]);
    });

    it('adds, changes and removes members, and counts owners', async () => {
      const { workspace, owner } = await newWorkspace(store());
      const bob = await store().users.create({ email: `${unique('bob')}@example.com`, name: 'Bob', passwordHash: 'h' });
      const added = await store().members.put(workspace.id, bob.id, 'editor');
      expect(added).toMatchObject({ workspaceId: workspace.id, userId: bob.id, role: 'editor' });
      const changed = await store().members.put(workspace.id, bob.id, 'owner');
      expect(changed).toEqual({ ...added, role: 'owner' });
      expect(await store().members.countOwners(workspace.id)).toBe(2);
      const list = await store().members.list(workspace.id);
      expect(list.map((m) => [m.userId, m.role, m.email, m.name]).sort()).toEqual(
        [
          [owner.id, 'owner', owner.email, owner.name],
          [bob.id, 'owner', bob.email, 'Bob'],
        ].sort(),
      );
      expect(await store().members.remove(workspace.id, bob.id)).toBe(true);
      expect(await store().members.remove(workspace.id, bob.id)).toBe(false);
      expect(await store().members.get(workspace.id, bob.id)).toBeUndefined();
      expect(await store().members.countOwners(workspace.id)).toBe(1);
      expect(await store().workspaces.forUser(bob.id)).toEqual([]);
    });

    it('keeps memberships inside their workspace', async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const before = await store().members.list(b.workspace.id);
      expect(await store().members.get(a.workspace.id, b.owner.id)).toBeUndefined();
      expect(await store().members.remove(a.workspace.id, b.owner.id)).toBe(false);
      expect(await store().members.countOwners(a.workspace.id)).toBe(1);
      expect(await store().members.list(b.workspace.id)).toEqual(before);
    });

    it('creates API keys, finds them by prefix across workspaces, revokes and touches them', async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const prefix = unique('nf_live');
      const key = await store().apiKeys.create({
        workspaceId: a.workspace.id,
        name: 'CI',
        prefix,
        hash: 'ab'.repeat(32),
        scopes: ['chat', 'read'],
        role: 'editor',
        createdBy: a.owner.id,
      });
      expect(key).toMatchObject({ workspaceId: a.workspace.id, name: 'CI', prefix, scopes: ['chat', 'read'], role: 'editor', createdBy: a.owner.id });
      expect(key.lastUsedAt).toBeUndefined();
      expect(key.revokedAt).toBeUndefined();
      expect(await store().apiKeys.byPrefix(prefix)).toEqual(key);
      expect(await store().apiKeys.byPrefix('nf_live_nope')).toBeUndefined();
      expect(await store().apiKeys.list(a.workspace.id)).toEqual([key]);
      expect(await store().apiKeys.list(b.workspace.id)).toEqual([]);

      // The prefix is unique across workspaces: it is the lookup of authentication.
      const clash = await storeError(
        store().apiKeys.create({ workspaceId: b.workspace.id, name: 'x', prefix, hash: 'cd'.repeat(32), scopes: ['admin'], role: 'admin', createdBy: b.owner.id }),
        'conflict',
      );
      expect(clash.message).toContain(prefix);

      // Another workspace cannot revoke it.
      expect(await store().apiKeys.revoke(b.workspace.id, key.id, 1_000)).toBe(false);
      expect(await store().apiKeys.byPrefix(prefix)).toEqual(key);

      await store().apiKeys.touch(key.id, 2_000);
      expect((await store().apiKeys.byPrefix(prefix))?.lastUsedAt).toBe(2_000);
      expect(await store().apiKeys.revoke(a.workspace.id, key.id, 3_000)).toBe(true);
      const revoked = await store().apiKeys.byPrefix(prefix);
      expect(revoked).toEqual({ ...key, lastUsedAt: 2_000, revokedAt: 3_000 });
      expect(await store().apiKeys.revoke(a.workspace.id, 'nope', 3_000)).toBe(false);
    });
  });
}
