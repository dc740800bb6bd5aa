import { describe, expect, it } from 'vitest';
import { expectNonIncreasing, newWorkspace, unique, useStore, walkPages } from './helpers.js';
import type { OpenStore } from './types.js';

/** Contacts, conversation memory (engine `HistoryStore`), plugin kv (engine `KvStore`) and secrets. */
export function contactsContract(open: OpenStore): void {
  describe('contacts, history, kv, secrets', () => {
    const store = useStore(open);

    it('finds or creates a contact per (channel, external id), bumping lastSeenAt', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const created = await store().contacts.upsert(W, 'whatsapp', '+15550001', 1_000, 'Ann');
      expect(created).toMatchObject({ workspaceId: W, channel: 'whatsapp', externalId: '+15550001', name: 'Ann', vars: {}, firstSeenAt: 1_000, lastSeenAt: 1_000 });
      const seen = await store().contacts.upsert(W, 'whatsapp', '+15550001', 2_000);
      expect(seen).toEqual({ ...created, lastSeenAt: 2_000 });
      const renamed = await store().contacts.upsert(W, 'whatsapp', '+15550001', 3_000, 'Ann B.');
      expect(renamed).toEqual({ ...created, name: 'Ann B.', lastSeenAt: 3_000 });
      // The same external id on another channel is another contact.
      const web = await store().contacts.upsert(W, 'web', '+15550001', 3_000);
      expect(web.id).not.toBe(created.id);
      expect(web.name).toBeUndefined();
      expect(await store().contacts.get(W, created.id)).toEqual(renamed);
      expect(await store().contacts.get(W, 'nope')).toBeUndefined();
      expect(await store().contacts.byExternalId(W, 'whatsapp', '+15550001')).toEqual(renamed);
      expect(await store().contacts.byExternalId(W, 'api', '+15550001')).toBeUndefined();
      const other = (await newWorkspace(store())).workspace.id;
      expect(await store().contacts.byExternalId(other, 'whatsapp', '+15550001')).toBeUndefined();

      const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => store().contacts.upsert(W, 'api', 'same-user', 5_000 + i)));
      expect(new Set(raced.map((c) => c.id)).size).toBe(1);
      expect((await store().contacts.get(W, raced[0]!.id))?.lastSeenAt).toBe(5_009);
    });

    it('merges variables into a contact', async () => {
      const { workspace } = await newWorkspace(store());
      const contact = await store().contacts.upsert(workspace.id, 'web', unique('v'), 1);
      await store().contacts.mergeVars(workspace.id, contact.id, { plan: 'pro', seats: 3 });
      await store().contacts.mergeVars(workspace.id, contact.id, { seats: 5, tags: ['a'] });
      expect((await store().contacts.get(workspace.id, contact.id))?.vars).toEqual({ plan: 'pro', seats: 5, tags: ['a'] });
      await store().contacts.mergeVars(workspace.id, 'nope', { x: 1 });
    });

    it('lists contacts newest first in pages', async () => {
      const { workspace } = await newWorkspace(store());
      const ids: string[] = [];
      for (let i = 0; i < 7; i += 1) ids.push((await store().contacts.upsert(workspace.id, 'api', `u${i}`, 1_000 + i)).id);
      const walked = await walkPages((cursor) => store().contacts.list(workspace.id, { limit: 3, ...(cursor === undefined ? {} : { cursor }) }), 3);
      expect(walked.sizes).toEqual([3, 3, 1]);
      expect(walked.items.map((c) => c.id)).toEqual([...ids].reverse());
      expectNonIncreasing(walked.items.map((c) => c.firstSeenAt));
    });

    it("keeps workspace A away from B's contacts, and B's data unchanged", async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const theirs = await store().contacts.upsert(b.workspace.id, 'web', 'visitor-1', 1_000, 'Bea');
      await store().contacts.mergeVars(b.workspace.id, theirs.id, { secret: 1 });
      const before = await store().contacts.list(b.workspace.id);
      expect(await store().contacts.get(a.workspace.id, theirs.id)).toBeUndefined();
      expect((await store().contacts.list(a.workspace.id)).items).toEqual([]);
      await store().contacts.mergeVars(a.workspace.id, theirs.id, { secret: 2 });
      const mine = await store().contacts.upsert(a.workspace.id, 'web', 'visitor-1', 2_000);
      expect(mine.id).not.toBe(theirs.id);
      expect(mine.name).toBeUndefined();
      expect(await store().contacts.list(b.workspace.id)).toEqual(before);
    });

    it('keeps conversation history once per key, in order, per (workspace, contact)', async () => {
      const history = store().history;
      const W = unique('ws');
      await history.append(W, 'c1', [{ role: 'user', content: 'hi' }], 'k1');
      await history.append(W, 'c1', [{ role: 'assistant', content: 'hello' }, { role: 'user', content: 'how are you' }], 'k2');
      await history.append(W, 'c1', [{ role: 'user', content: 'duplicate' }], 'k1');
      // An empty append takes its key as well.
      await history.append(W, 'c1', [], 'k3');
      await history.append(W, 'c1', [{ role: 'user', content: 'late' }], 'k3');
      const extra = { role: 'user' as const, content: 'only role and content are kept', name: 'x' };
      await history.append(W, 'c1', [extra], 'k4');
      await Promise.all(Array.from({ length: 5 }, () => history.append(W, 'c1', [{ role: 'assistant', content: 'once' }], 'k5')));
      expect(await history.load(W, 'c1')).toEqual([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'how are you' },
        { role: 'user', content: 'only role and content are kept' },
        { role: 'assistant', content: 'once' },
      ]);
      expect(await history.load(W, 'c2')).toEqual([]);
      expect(await history.load(unique('other'), 'c1')).toEqual([]);

      // A cleared thread starts over, keys included.
      await history.clear(W, 'c1');
      expect(await history.load(W, 'c1')).toEqual([]);
      await history.append(W, 'c1', [{ role: 'user', content: 'again' }], 'k1');
      expect(await history.load(W, 'c1')).toEqual([{ role: 'user', content: 'again' }]);
    });

    it('stores plugin kv values as JSON copies per (workspace, plugin); a missing key is undefined', async () => {
      const kv = store().kv;
      const W = unique('ws');
      expect(await kv.get(W, 'acme', 'missing')).toBeUndefined();
      const value = { n: 1, list: [1, 'two', null], nested: { ok: true } };
      await kv.set(W, 'acme', 'obj', value);
      value.n = 99;
      expect(await kv.get(W, 'acme', 'obj')).toEqual({ n: 1, list: [1, 'two', null], nested: { ok: true } });
      for (const scalar of [0, 'text', false, null, 3.5]) {
        await kv.set(W, 'acme', 'scalar', scalar);
        expect(await kv.get(W, 'acme', 'scalar')).toEqual(scalar);
      }
      await kv.set(W, 'acme', 'obj', ['replaced']);
      expect(await kv.get(W, 'acme', 'obj')).toEqual(['replaced']);
      // Scoped by plugin and workspace: `../other/x` is just a key name.
      expect(await kv.get(W, 'other', 'obj')).toBeUndefined();
      expect(await kv.get(unique('ws'), 'acme', 'obj')).toBeUndefined();
      await kv.set(W, 'acme', '../other/obj', 1);
      expect(await kv.get(W, 'other', 'obj')).toBeUndefined();
      await kv.delete(W, 'acme', 'obj');
      expect(await kv.get(W, 'acme', 'obj')).toBeUndefined();
      await kv.delete(W, 'acme', 'obj');
      // Like the in-memory store: a value JSON cannot hold reads back as missing.
      await kv.set(W, 'acme', 'undef', undefined);
      expect(await kv.get(W, 'acme', 'undef')).toBeUndefined();
    });

    it('puts, reads, names and deletes secrets per workspace', async () => {
      const secrets = store().secrets;
      const A = unique('ws');
      const B = unique('ws');
      await secrets.put(A, 'OPENAI_KEY', 'sk-1');
      await secrets.put(A, 'ANTHROPIC_KEY', 'sk-2');
      await secrets.put(A, 'OPENAI_KEY', 'sk-3');
      await secrets.put(B, 'OPENAI_KEY', 'sk-b');
      expect(await secrets.get(A, 'OPENAI_KEY')).toBe('sk-3');
      expect(await secrets.get(A, 'MISSING')).toBeUndefined();
      expect(await secrets.names(A)).toEqual(['ANTHROPIC_KEY', 'OPENAI_KEY']);
      expect(await secrets.delete(A, 'OPENAI_KEY')).toBe(true);
      expect(await secrets.delete(A, 'OPENAI_KEY')).toBe(false);
      expect(await secrets.get(A, 'OPENAI_KEY')).toBeUndefined();
      expect(await secrets.get(B, 'OPENAI_KEY')).toBe('sk-b');
      expect(await secrets.delete(A, 'OPENAI_KEY')).toBe(false);
      expect(await secrets.names(B)).toEqual(['OPENAI_KEY']);
      expect(await secrets.names(unique('ws'))).toEqual([]);
    });
  });
}
