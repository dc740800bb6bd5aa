import { describe, expect, it } from 'vitest';
import { newWorkspace, unique, useStore } from './helpers.js';
import type { OpenStore } from './types.js';

const OUT_RANK: Record<string, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
const rank = (status: string) => OUT_RANK[status] ?? -1;

/** Channel messages (durable inbox, sent keys, statuses) and deployments of generated apps. */
export function channelMessagesAndAppsContract(open: OpenStore): void {
  describe('channel messages, app deployments', () => {
    const store = useStore(open);

    it('records a message once per (connection, direction, key), also when deliveries race', async () => {
      const { workspace } = await newWorkspace(store());
      const connectionId = unique('conn');
      const input = { workspaceId: workspace.id, connectionId, direction: 'in' as const, key: 'wamid.ABC=', contactExternalId: '15551234567', status: 'received', payload: { text: 'héllo 👋' }, providerAt: 1_700_000_000_000 };
      const results = await Promise.all([1, 2, 3].map(() => store().channelMessages.record(input)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const ids = new Set(results.map((r) => r.message.id));
      expect(ids.size).toBe(1);
      expect(results[0]!.message).toMatchObject({ connectionId, direction: 'in', key: 'wamid.ABC=', contactExternalId: '15551234567', status: 'received', payload: { text: 'héllo 👋' }, providerAt: 1_700_000_000_000 });
      // The same key the other way is another message.
      const out = await store().channelMessages.record({ ...input, direction: 'out', status: 'pending' });
      expect(out.created).toBe(true);
      expect(await store().channelMessages.get(connectionId, 'in', 'wamid.ABC=')).toEqual(results[0]!.message);
      expect(await store().channelMessages.get(connectionId, 'in', 'nope')).toBeUndefined();
    });

    it('moves statuses only forward, and finds sent messages by the provider id', async () => {
      const { workspace } = await newWorkspace(store());
      const connectionId = unique('conn');
      const { message } = await store().channelMessages.record({ workspaceId: workspace.id, connectionId, direction: 'out', key: 'session/1/send/0', contactExternalId: 'c1', status: 'pending', payload: { text: 'hi' } });
      const sent = await store().channelMessages.advance(message.id, 'sent', rank, { providerId: 'wamid.OUT1' });
      expect(sent).toMatchObject({ moved: true, message: { status: 'sent', providerId: 'wamid.OUT1' } });
      expect((await store().channelMessages.byProviderId(connectionId, 'wamid.OUT1'))?.id).toBe(message.id);
      // read arrives before delivered (W-05): delivered must not move it back.
      expect((await store().channelMessages.advance(message.id, 'read', rank)).moved).toBe(true);
      const late = await store().channelMessages.advance(message.id, 'delivered', rank);
      expect(late).toMatchObject({ moved: false, message: { status: 'read' } });
      const failed = await store().channelMessages.advance(message.id, 'failed', rank, { error: 'undeliverable' });
      expect(failed.message).toMatchObject({ status: 'failed', error: 'undeliverable', providerId: 'wamid.OUT1' });
      expect(await store().channelMessages.advance('nope', 'sent', rank)).toEqual({ message: undefined, moved: false });
    });

    it('lists messages by status, finds the last inbound message, counts sends, and purges old ones', async () => {
      const { workspace } = await newWorkspace(store());
      const connectionId = unique('conn');
      const base = { workspaceId: workspace.id, connectionId, payload: {} };
      const first = await store().channelMessages.record({ ...base, direction: 'in', key: unique('m'), contactExternalId: 'alice', status: 'received' });
      const second = await store().channelMessages.record({ ...base, direction: 'in', key: unique('m'), contactExternalId: 'alice', status: 'received' });
      await store().channelMessages.record({ ...base, direction: 'in', key: unique('m'), contactExternalId: 'bob', status: 'done' });
      const pending = await store().channelMessages.listByStatus(connectionId, 'in', 'received');
      // Oldest first (both may share a millisecond, so only the set and the order of times are fixed).
      expect(pending.map((m) => m.id).sort()).toEqual([first.message.id, second.message.id].sort());
      expect(pending[0]!.createdAt).toBeLessThanOrEqual(pending[1]!.createdAt);
      const last = await store().channelMessages.lastInbound(connectionId, 'alice');
      expect([first.message.id, second.message.id]).toContain(last?.id);
      expect(last?.createdAt).toBe(Math.max(first.message.createdAt, second.message.createdAt));
      expect(await store().channelMessages.lastInbound(connectionId, 'carol')).toBeUndefined();

      for (const contact of ['alice', 'alice', 'bob']) await store().channelMessages.record({ ...base, direction: 'out', key: unique('k'), contactExternalId: contact, status: 'sent' });
      expect(await store().channelMessages.countOutbound(connectionId, 0)).toBe(3);
      expect(await store().channelMessages.countOutbound(connectionId, 0, 'alice')).toBe(2);
      expect(await store().channelMessages.countOutbound(connectionId, Date.now() + 60_000)).toBe(0);

      expect(await store().channelMessages.purge(0)).toBe(0);
      expect(await store().channelMessages.get(connectionId, 'in', first.message.key)).toBeDefined();
      // Past the retention, everything recorded so far is forgotten.
      expect(await store().channelMessages.purge(Date.now() + 60_000)).toBeGreaterThanOrEqual(6);
      expect(await store().channelMessages.get(connectionId, 'in', first.message.key)).toBeUndefined();
      expect(await store().channelMessages.countOutbound(connectionId, 0)).toBe(0);
    });

    it('numbers app versions per name, finds a re-run by its key, and keeps one version live', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const files = [{ path: 'index.html', bytes: 120 }];
      const v1 = await store().apps.create(W, { name: 'todo', target: 'local', key: 'run-1', files, status: 'pending' });
      expect(v1).toMatchObject({ created: true, deployment: { workspaceId: W, name: 'todo', version: 1, target: 'local', status: 'pending', live: false, files, detail: {}, key: 'run-1' } });
      expect(await store().apps.create(W, { name: 'todo', target: 'local', key: 'run-1', files: [], status: 'pending' })).toEqual({ created: false, deployment: v1.deployment });
      const v2 = await store().apps.create(W, { name: 'todo', target: 'platform', key: 'run-2', files, status: 'pending', detail: { region: 'eu' } });
      expect(v2.deployment).toMatchObject({ version: 2, target: 'platform', detail: { region: 'eu' } });
      const other = await store().apps.create(W, { name: 'blog', target: 'local', key: 'run-3', files, status: 'pending' });
      expect(other.deployment.version).toBe(1);

      const updated = await store().apps.update(W, v1.deployment.id, { url: 'http://x/apps/todo/', detail: { dir: 'v1' } });
      expect(updated).toMatchObject({ url: 'http://x/apps/todo/', detail: { dir: 'v1' }, status: 'pending' });
      expect(await store().apps.live(W, 'todo')).toBeUndefined();
      expect(await store().apps.setLive(W, v1.deployment.id)).toMatchObject({ live: true, status: 'live' });
      expect(await store().apps.setLive(W, v2.deployment.id)).toMatchObject({ live: true, status: 'live' });
      expect((await store().apps.live(W, 'todo'))?.id).toBe(v2.deployment.id);
      expect(await store().apps.get(W, v1.deployment.id)).toMatchObject({ live: false, status: 'superseded' });
      // Roll back.
      await store().apps.setLive(W, v1.deployment.id);
      expect((await store().apps.live(W, 'todo'))?.version).toBe(1);
      expect((await store().apps.live(W, 'blog'))).toBeUndefined();

      // Newest first; records of one millisecond may come in either order across names.
      const all = (await store().apps.list(W)).map((a) => `${a.name}@${a.version}`);
      expect([...all].sort()).toEqual(['blog@1', 'todo@1', 'todo@2']);
      expect(all.indexOf('todo@2')).toBeLessThan(all.indexOf('todo@1'));
      expect((await store().apps.list(W, { name: 'todo' })).map((a) => a.version)).toEqual([2, 1]);
    });

    it('numbers concurrent publishes of one app without clashes', async () => {
      const { workspace } = await newWorkspace(store());
      const made = await Promise.all([1, 2, 3, 4].map((n) => store().apps.create(workspace.id, { name: 'race', target: 'local', key: `k${n}`, files: [], status: 'pending' })));
      expect(made.map((m) => m.deployment.version).sort()).toEqual([1, 2, 3, 4]);
    });

    it("keeps workspace A away from B's apps", async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const theirs = await store().apps.create(b.workspace.id, { name: 'site', target: 'local', key: 'k', files: [], status: 'live' });
      const A = a.workspace.id;
      expect(await store().apps.get(A, theirs.deployment.id)).toBeUndefined();
      expect(await store().apps.update(A, theirs.deployment.id, { status: 'failed' })).toBeUndefined();
      expect(await store().apps.setLive(A, theirs.deployment.id)).toBeUndefined();
      expect(await store().apps.list(A)).toEqual([]);
      // The same key in A is A's own deployment.
      expect((await store().apps.create(A, { name: 'site', target: 'local', key: 'k', files: [], status: 'pending' })).created).toBe(true);
      expect(await store().apps.get(b.workspace.id, theirs.deployment.id)).toEqual(theirs.deployment);
    });
  });
}
