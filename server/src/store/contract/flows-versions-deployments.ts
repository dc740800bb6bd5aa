import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import type { Store } from '../types.js';
import { expectNonIncreasing, flowDocument, newWorkspace, storeError, unique, useStore, walkPages } from './helpers.js';
import type { OpenStore } from './types.js';

/** A flow with one published version and a deployment on it. */
async function deployed(store: Store, workspaceId: string, by: string) {
  const flow = await store.flows.create(workspaceId, { name: 'Bot', document: flowDocument() });
  const version = await store.versions.publish(workspaceId, flow.id, { document: flow.document, hash: 'h1', createdBy: by });
  const deployment = await store.deployments.create(workspaceId, {
    flowId: flow.id,
    key: unique('bot'),
    name: 'Bot',
    versionId: version.id,
    publishableKey: unique('pk'),
    by,
  });
  return { flow, version, deployment };
}

/** Flows, published versions and deployments. */
export function flowsContract(open: OpenStore): void {
  describe('flows, versions, deployments', () => {
    const store = useStore(open);

    it('creates flows with a generated or given id, kept in document.id, at revision 1', async () => {
      const { workspace } = await newWorkspace(store());
      const flow = await store().flows.create(workspace.id, { name: 'Support', document: flowDocument('whatever') });
      expect(flow).toMatchObject({ workspaceId: workspace.id, name: 'Support', revision: 1 });
      expect(flow.id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(flow.document).toEqual(flowDocument(flow.id));
      expect(flow.updatedAt).toBe(flow.createdAt);
      expect(await store().flows.get(workspace.id, flow.id)).toEqual(flow);

      const named = await store().flows.create(workspace.id, { id: 'support-bot', name: 'Named', document: flowDocument('support-bot') });
      expect(named.id).toBe('support-bot');
      expect(await store().flows.get(workspace.id, 'nope')).toBeUndefined();
    });

    it('refuses a flow id taken in the workspace; another workspace may use it', async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      await store().flows.create(a.workspace.id, { id: 'echo', name: 'Echo', document: flowDocument('echo') });
      const error = await storeError(store().flows.create(a.workspace.id, { id: 'echo', name: 'Again', document: flowDocument('echo') }), 'conflict');
      expect(error.message).toContain('echo');
      expect((await store().flows.get(a.workspace.id, 'echo'))?.name).toBe('Echo');
      const other = await store().flows.create(b.workspace.id, { id: 'echo', name: 'Theirs', document: flowDocument('echo') });
      expect(other.workspaceId).toBe(b.workspace.id);
      expect((await store().flows.get(a.workspace.id, 'echo'))?.name).toBe('Echo');
    });

    it('updates name and document, counting revisions, and refuses a stale expectedRevision', async () => {
      const { workspace } = await newWorkspace(store());
      const flow = await store().flows.create(workspace.id, { name: 'V1', document: flowDocument() });
      const renamed = await store().flows.update(workspace.id, flow.id, { name: 'V2' });
      expect(renamed).toMatchObject({ name: 'V2', revision: 2, document: flow.document, createdAt: flow.createdAt });
      const edited = flowDocument('ignored', 'Edited', { description: 'new' });
      const saved = await store().flows.update(workspace.id, flow.id, { document: edited }, 2);
      expect(saved).toMatchObject({ name: 'V2', revision: 3, document: { ...edited, id: flow.id } });
      expect(saved!.updatedAt).toBeGreaterThanOrEqual(flow.updatedAt);

      const stale = await storeError(store().flows.update(workspace.id, flow.id, { name: 'Lost' }, 2), 'conflict');
      expect(stale.message).toMatch(/revision/);
      expect(await store().flows.get(workspace.id, flow.id)).toEqual(saved);
      expect(await store().flows.update(workspace.id, 'nope', { name: 'x' })).toBeUndefined();
    });

    it('lists flows newest first, without documents, in pages of 1..200 (default 50)', async () => {
      const { workspace } = await newWorkspace(store());
      const ids: string[] = [];
      for (let i = 0; i < 53; i += 1) ids.push((await store().flows.create(workspace.id, { name: `F${i}`, document: flowDocument() })).id);

      const first = await store().flows.list(workspace.id);
      expect(first.items).toHaveLength(50);
      expect(first.next).toBeDefined();
      expect(first.items[0]).not.toHaveProperty('document');

      const walked = await walkPages((cursor) => store().flows.list(workspace.id, { limit: 20, ...(cursor === undefined ? {} : { cursor }) }), 20);
      expect(walked.sizes).toEqual([20, 20, 13]);
      expect(walked.items.map((f) => f.id).sort()).toEqual([...ids].sort());
      expectNonIncreasing(walked.items.map((f) => f.createdAt));

      expect((await store().flows.list(workspace.id, { limit: 0 })).items).toHaveLength(1);
      expect((await store().flows.list(workspace.id, { limit: -5 })).items).toHaveLength(1);
      expect((await store().flows.list(workspace.id, { limit: 1_000 })).items).toHaveLength(53);
      await expect(store().flows.list(workspace.id, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(StoreError);
      const { workspace: empty } = await newWorkspace(store());
      expect(await store().flows.list(empty.id)).toEqual({ items: [] });
    });

    it('publishes versions 1, 2, 3 ... per flow, also when publishes race', async () => {
      const { workspace, owner } = await newWorkspace(store());
      const flow = await store().flows.create(workspace.id, { name: 'Bot', document: flowDocument() });
      const first = await store().versions.publish(workspace.id, flow.id, { document: flow.document, hash: 'h1', note: 'first', createdBy: owner.id });
      expect(first).toMatchObject({ workspaceId: workspace.id, flowId: flow.id, version: 1, hash: 'h1', note: 'first', createdBy: owner.id, document: flow.document });
      const raced = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store().versions.publish(workspace.id, flow.id, { document: flow.document, hash: `h${i + 2}`, createdBy: owner.id })),
      );
      expect(raced.map((v) => v.version).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(raced[0]!.note).toBeUndefined();

      const list = await store().versions.list(workspace.id, flow.id);
      expect(list.map((v) => v.version)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect(list[0]).not.toHaveProperty('document');
      expect(await store().versions.get(workspace.id, first.id)).toEqual(first);
      expect(await store().versions.get(workspace.id, 'nope')).toBeUndefined();

      // Numbers are per flow.
      const other = await store().flows.create(workspace.id, { name: 'Other', document: flowDocument() });
      expect((await store().versions.publish(workspace.id, other.id, { document: other.document, hash: 'x', createdBy: owner.id })).version).toBe(1);
      await storeError(store().versions.publish(workspace.id, 'nope', { document: other.document, hash: 'x', createdBy: owner.id }), 'not_found');
    });

    it('creates deployments, finds them by id, key and publishable key, and lists them', async () => {
      const { workspace, owner } = await newWorkspace(store());
      const { flow, version, deployment } = await deployed(store(), workspace.id, owner.id);
      expect(deployment).toMatchObject({ workspaceId: workspace.id, flowId: flow.id, name: 'Bot', versionId: version.id });
      expect(deployment.history).toEqual([{ versionId: version.id, at: expect.any(Number), by: owner.id }]);
      expect(await store().deployments.get(workspace.id, deployment.id)).toEqual(deployment);
      expect(await store().deployments.byKey(workspace.id, deployment.key)).toEqual(deployment);
      expect(await store().deployments.byPublishableKey(deployment.publishableKey)).toEqual(deployment);
      expect(await store().deployments.byPublishableKey('pk_nope')).toBeUndefined();
      expect(await store().deployments.byKey(workspace.id, 'nope')).toBeUndefined();

      const second = await deployed(store(), workspace.id, owner.id);
      expect((await store().deployments.list(workspace.id)).map((d) => d.id).sort()).toEqual([deployment.id, second.deployment.id].sort());
      expect(await store().deployments.list(workspace.id, flow.id)).toEqual([deployment]);
    });

    it('refuses a taken deployment key in the workspace and a taken publishable key anywhere', async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const { flow, version, deployment } = await deployed(store(), a.workspace.id, a.owner.id);
      const input = { flowId: flow.id, name: 'Twin', versionId: version.id, by: a.owner.id };
      const keyClash = await storeError(store().deployments.create(a.workspace.id, { ...input, key: deployment.key, publishableKey: unique('pk') }), 'conflict');
      expect(keyClash.message).toContain(deployment.key);
      await storeError(store().deployments.create(a.workspace.id, { ...input, key: unique('twin'), publishableKey: deployment.publishableKey }), 'conflict');
      expect(await store().deployments.list(a.workspace.id)).toEqual([deployment]);

      // The same key in another workspace is fine; its publishable key must still be new.
      const theirs = await deployed(store(), b.workspace.id, b.owner.id);
      const sameKey = await store().deployments.create(b.workspace.id, {
        flowId: theirs.flow.id,
        key: deployment.key,
        name: 'Same key',
        versionId: theirs.version.id,
        publishableKey: unique('pk'),
        by: b.owner.id,
      });
      expect(sameKey.key).toBe(deployment.key);
      expect((await store().deployments.byKey(a.workspace.id, deployment.key))?.id).toBe(deployment.id);
    });

    it('moves a deployment to another version, appending to its history', async () => {
      const { workspace, owner } = await newWorkspace(store());
      const { flow, version, deployment } = await deployed(store(), workspace.id, owner.id);
      const v2 = await store().versions.publish(workspace.id, flow.id, { document: flow.document, hash: 'h2', createdBy: owner.id });
      const moved = await store().deployments.setVersion(workspace.id, deployment.id, v2.id, 'someone');
      expect(moved?.versionId).toBe(v2.id);
      expect(moved?.history.map((h) => [h.versionId, h.by])).toEqual([
        [version.id, owner.id],
        [v2.id, 'someone'],
      ]);
      const back = await store().deployments.setVersion(workspace.id, deployment.id, version.id, owner.id);
      expect(back?.history).toHaveLength(3);
      expect(await store().deployments.get(workspace.id, deployment.id)).toEqual(back);
      expect(await store().deployments.setVersion(workspace.id, 'nope', v2.id, owner.id)).toBeUndefined();

      // Only a version of the deployment's own flow.
      const other = await store().flows.create(workspace.id, { name: 'Other', document: flowDocument() });
      const foreign = await store().versions.publish(workspace.id, other.id, { document: other.document, hash: 'o', createdBy: owner.id });
      await storeError(store().deployments.setVersion(workspace.id, deployment.id, foreign.id, owner.id), 'not_found');
      await storeError(
        store().deployments.create(workspace.id, { flowId: flow.id, key: unique('x'), name: 'x', versionId: foreign.id, publishableKey: unique('pk'), by: owner.id }),
        'not_found',
      );
      expect(await store().deployments.get(workspace.id, deployment.id)).toEqual(back);
    });

    it('deletes a deployment, and a flow with its versions and deployments', async () => {
      const { workspace, owner } = await newWorkspace(store());
      const one = await deployed(store(), workspace.id, owner.id);
      const kept = await deployed(store(), workspace.id, owner.id);
      expect(await store().deployments.delete(workspace.id, one.deployment.id)).toBe(true);
      expect(await store().deployments.delete(workspace.id, one.deployment.id)).toBe(false);
      expect(await store().deployments.get(workspace.id, one.deployment.id)).toBeUndefined();

      const again = await store().deployments.create(workspace.id, {
        flowId: one.flow.id,
        key: unique('again'),
        name: 'Again',
        versionId: one.version.id,
        publishableKey: unique('pk'),
        by: owner.id,
      });
      expect(await store().flows.delete(workspace.id, one.flow.id)).toBe(true);
      expect(await store().flows.get(workspace.id, one.flow.id)).toBeUndefined();
      expect(await store().versions.get(workspace.id, one.version.id)).toBeUndefined();
      expect(await store().versions.list(workspace.id, one.flow.id)).toEqual([]);
      expect(await store().deployments.get(workspace.id, again.id)).toBeUndefined();
      expect(await store().deployments.byPublishableKey(again.publishableKey)).toBeUndefined();
      expect(await store().flows.delete(workspace.id, one.flow.id)).toBe(false);
      // The other flow is untouched.
      expect(await store().deployments.list(workspace.id)).toEqual([kept.deployment]);
      expect(await store().versions.get(workspace.id, kept.version.id)).toEqual(kept.version);
    });

    it("keeps workspace A away from B's flows, versions and deployments, and B's data unchanged", async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const theirs = await deployed(store(), b.workspace.id, b.owner.id);
      const mine = await deployed(store(), a.workspace.id, a.owner.id);
      const snapshot = async () => ({
        flow: await store().flows.get(b.workspace.id, theirs.flow.id),
        flows: await store().flows.list(b.workspace.id),
        versions: await store().versions.list(b.workspace.id, theirs.flow.id),
        version: await store().versions.get(b.workspace.id, theirs.version.id),
        deployments: await store().deployments.list(b.workspace.id),
      });
      const before = await snapshot();

      const A = a.workspace.id;
      expect(await store().flows.get(A, theirs.flow.id)).toBeUndefined();
      expect((await store().flows.list(A)).items.map((f) => f.id)).toEqual([mine.flow.id]);
      expect(await store().flows.update(A, theirs.flow.id, { name: 'Hijacked' })).toBeUndefined();
      expect(await store().flows.update(A, theirs.flow.id, { name: 'Hijacked' }, theirs.flow.revision)).toBeUndefined();
      expect(await store().flows.delete(A, theirs.flow.id)).toBe(false);

      expect(await store().versions.get(A, theirs.version.id)).toBeUndefined();
      expect(await store().versions.list(A, theirs.flow.id)).toEqual([]);
      await storeError(store().versions.publish(A, theirs.flow.id, { document: flowDocument(), hash: 'x', createdBy: a.owner.id }), 'not_found');

      expect(await store().deployments.get(A, theirs.deployment.id)).toBeUndefined();
      expect(await store().deployments.byKey(A, theirs.deployment.key)).toBeUndefined();
      expect(await store().deployments.list(A)).toEqual([mine.deployment]);
      expect(await store().deployments.list(A, theirs.flow.id)).toEqual([]);
      expect(await store().deployments.setVersion(A, theirs.deployment.id, theirs.version.id, a.owner.id)).toBeUndefined();
      expect(await store().deployments.delete(A, theirs.deployment.id)).toBe(false);
      // A deployment of A cannot point at B's flow or version.
      await storeError(store().deployments.setVersion(A, mine.deployment.id, theirs.version.id, a.owner.id), 'not_found');
      await storeError(
        store().deployments.create(A, { flowId: theirs.flow.id, key: unique('x'), name: 'x', versionId: theirs.version.id, publishableKey: unique('pk'), by: a.owner.id }),
        'not_found',
      );
      await storeError(
        store().deployments.create(A, { flowId: mine.flow.id, key: unique('x'), name: 'x', versionId: theirs.version.id, publishableKey: unique('pk'), by: a.owner.id }),
        'not_found',
      );

      expect(await snapshot()).toEqual(before);
    });
  });
}
