import type { SessionRecord, TraceEvent } from '@nexusflow/engine';
import { describe, expect, it } from 'vitest';
import { sessionStoreOf, type ChannelKind, type Store } from '../types.js';
import { withFence } from '../fence-scope.js';
import { expectNonIncreasing, newWorkspace, unique, useStore, walkPages } from './helpers.js';
import type { OpenStore } from './types.js';

function record(key: string, workspaceId: string, status: SessionRecord['status'], turn = 1): SessionRecord {
  return {
    v: 1,
    key,
    workspaceId,
    flowId: 'flow',
    flowHash: 'hash',
    state: 'start',
    status,
    context: { message: null, vars: { n: turn }, nodes: {}, contact: { id: 'c1', channel: 'web' } },
    turn,
    step: 0,
    updatedAt: 1_000,
  };
}

function trace(sessionKey: string, turn: number, at = 5_000): TraceEvent {
  return { type: 'session.notice', sessionKey, turn, at, message: `notice ${turn}` };
}

async function openSession(store: Store, workspaceId: string, channel: ChannelKind = 'web') {
  const contact = await store.contacts.upsert(workspaceId, channel, unique('visitor'), 1_000);
  const deploymentId = unique('dep');
  const session = await store.sessions.open(workspaceId, { deploymentId, contactId: contact.id, channel, versionId: 'v1' });
  return { contact, deploymentId, session };
}

/** Sessions (conversations), transcripts and trace events. */
export function sessionsContract(open: OpenStore): void {
  describe('sessions, transcripts, traces', () => {
    const store = useStore(open);

    it('opens one conversation per (deployment, contact), also when opens race', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const contact = await store().contacts.upsert(W, 'web', unique('visitor'), 1_000);
      const input = { deploymentId: 'dep-1', contactId: contact.id, channel: 'web' as const, versionId: 'v1' };
      const opened = await Promise.all(Array.from({ length: 10 }, () => store().sessions.open(W, input)));
      expect(new Set(opened.map((s) => s.id)).size).toBe(1);
      const session = opened[0]!;
      expect(session).toMatchObject({ workspaceId: W, ...input });
      expect(session.record).toBeUndefined();
      // An existing conversation stays on its version.
      expect(await store().sessions.open(W, { ...input, versionId: 'v2' })).toEqual(session);
      const other = await store().sessions.open(W, { ...input, deploymentId: 'dep-2' });
      expect(other.id).not.toBe(session.id);
      expect(await store().sessions.get(W, session.id)).toEqual(session);
      expect(await store().sessions.byId(session.id)).toEqual(session);
      expect(await store().sessions.byId('nope')).toBeUndefined();
    });

    it('saves engine records, lists running sessions, and moves sessions between versions', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const { session } = await openSession(store(), W);
      const running = record(session.id, W, 'running');
      await store().sessions.saveRecord(session.id, running);
      expect((await store().sessions.get(W, session.id))?.record).toEqual(running);
      expect(await store().sessions.listRunning()).toContain(session.id);

      // Through the engine's port too.
      const port = sessionStoreOf(store());
      const idle = record(session.id, W, 'idle', 2);
      await port.save(idle);
      expect(await port.load(session.id)).toEqual(idle);
      expect(await port.load('nope')).toBeUndefined();
      expect(await port.listRunning()).not.toContain(session.id);

      await store().sessions.setVersion(W, session.id, 'v9');
      const moved = await store().sessions.get(W, session.id);
      expect(moved).toMatchObject({ versionId: 'v9', record: idle });
      expect(moved!.updatedAt).toBeGreaterThanOrEqual(session.updatedAt);
    });

    it('fences record writes: only the latest claimed token may save, and the refusal names the takeover', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const { session } = await openSession(store(), W);
      const first = await store().sessions.claim(session.id);
      const second = await store().sessions.claim(session.id);
      expect(second).toBe(first + 1);
      await store().sessions.saveRecord(session.id, record(session.id, W, 'running', 1), second);
      // The older holder (paused, cut off) can no longer overwrite the newer state.
      const stale = store().sessions.saveRecord(session.id, record(session.id, W, 'idle', 9), first);
      await expect(stale).rejects.toMatchObject({ name: 'StoreError', code: 'fenced' });
      await expect(stale).rejects.toThrow(/taken over by another server process/);
      expect((await store().sessions.byId(session.id))?.record).toEqual(record(session.id, W, 'running', 1));
      // Through the engine's port, inside a fenced turn.
      const third = await store().sessions.claim(session.id);
      await withFence(session.id, second, () => sessionStoreOf(store()).save(record(session.id, W, 'idle', 5))).then(
        () => expect.unreachable('a stale fence must not save'),
        (error: unknown) => expect(error).toMatchObject({ code: 'fenced' }),
      );
      await withFence(session.id, third, () => sessionStoreOf(store()).save(record(session.id, W, 'idle', 6)));
      expect((await store().sessions.byId(session.id))?.record).toEqual(record(session.id, W, 'idle', 6));
      // Writes without a token (one process, no Redis) are not fenced.
      await store().sessions.saveRecord(session.id, record(session.id, W, 'idle', 7));
      await expect(store().sessions.claim('nope')).rejects.toMatchObject({ code: 'not_found' });
      await expect(store().sessions.saveRecord('nope', record('nope', W, 'idle'), 1)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('starts and ends an operator takeover, only in its own workspace', async () => {
      const { workspace } = await newWorkspace(store());
      const other = await newWorkspace(store());
      const W = workspace.id;
      const { session } = await openSession(store(), W);
      expect(session.handoff).toBeUndefined();
      const taken = await store().sessions.setHandoff(W, session.id, { by: 'user-1', at: 1234 });
      expect(taken).toMatchObject({ id: session.id, handoff: { by: 'user-1', at: 1234 } });
      expect((await store().sessions.get(W, session.id))?.handoff).toEqual({ by: 'user-1', at: 1234 });
      expect((await store().sessions.byId(session.id))?.handoff).toEqual({ by: 'user-1', at: 1234 });
      expect(await store().sessions.setHandoff(other.workspace.id, session.id, null)).toBeUndefined();
      const back = await store().sessions.setHandoff(W, session.id, null);
      expect(back?.handoff).toBeUndefined();
      expect(back).not.toHaveProperty('handoff');
      expect(await store().sessions.setHandoff(W, 'nope', null)).toBeUndefined();
    });

    it('lists sessions newest first without records, filtered by deployment or contact, in pages', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const contacts = await Promise.all([0, 1, 2].map((i) => store().contacts.upsert(W, 'api', `user-${i}`, 1_000)));
      const made: string[] = [];
      for (const deploymentId of ['d1', 'd2']) {
        for (const contact of contacts) {
          const session = await store().sessions.open(W, { deploymentId, contactId: contact.id, channel: 'api', versionId: 'v1' });
          await store().sessions.saveRecord(session.id, record(session.id, W, 'idle'));
          made.push(session.id);
        }
      }
      const walked = await walkPages((cursor) => store().sessions.list(W, { limit: 4, ...(cursor === undefined ? {} : { cursor }) }), 4);
      expect(walked.sizes).toEqual([4, 2]);
      expect(walked.items.map((s) => s.id).sort()).toEqual([...made].sort());
      expectNonIncreasing(walked.items.map((s) => s.createdAt));
      expect(walked.items[0]).not.toHaveProperty('record');
      expect((await store().sessions.list(W, { deploymentId: 'd2' })).items.map((s) => s.deploymentId)).toEqual(['d2', 'd2', 'd2']);
      const byContact = await store().sessions.list(W, { contactId: contacts[1]!.id });
      expect(byContact.items.map((s) => s.contactId)).toEqual([contacts[1]!.id, contacts[1]!.id]);
      expect((await store().sessions.list(W, { deploymentId: 'd1', contactId: contacts[0]!.id })).items).toHaveLength(1);
    });

    it('appends transcript entries once per key, numbered 1, 2, 3 ... per session', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const { session } = await openSession(store(), W);
      const first = await store().transcripts.append({ sessionId: session.id, workspaceId: W, role: 'user', text: 'hi', key: 'in-1', at: 10 });
      expect(first).toEqual({ created: true, entry: { sessionId: session.id, workspaceId: W, seq: 1, role: 'user', text: 'hi', key: 'in-1', at: 10 } });
      const payload = { buttons: [{ label: 'Yes' }] };
      const second = await store().transcripts.append({ sessionId: session.id, workspaceId: W, role: 'bot', text: 'hello', payload, key: 'out-1', at: 11 });
      expect(second.entry).toMatchObject({ seq: 2, payload });
      // A re-run step sending again: the earlier entry, nothing added.
      const again = await store().transcripts.append({ sessionId: session.id, workspaceId: W, role: 'bot', text: 'changed', key: 'out-1', at: 12 });
      expect(again).toEqual({ created: false, entry: second.entry });

      const raced = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store().transcripts.append({ sessionId: session.id, workspaceId: W, role: 'bot', text: `m${i}`, key: `race-${i}`, at: 20 + i })),
      );
      expect(raced.map((r) => r.entry.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
      const dupes = await Promise.all(Array.from({ length: 10 }, () => store().transcripts.append({ sessionId: session.id, workspaceId: W, role: 'user', text: 'x', key: 'dupe', at: 1 })));
      expect(dupes.filter((d) => d.created)).toHaveLength(1);
      expect(new Set(dupes.map((d) => d.entry.seq)).size).toBe(1);

      const all = await store().transcripts.list(W, session.id, { limit: 200 });
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
      expect(all[1]).toEqual(second.entry);
      expect((await store().transcripts.list(W, session.id, { afterSeq: 20 })).map((e) => e.seq)).toEqual([21, 22, 23]);
      expect((await store().transcripts.list(W, session.id, { afterSeq: 2, limit: 3 })).map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(await store().transcripts.list(W, 'nope')).toEqual([]);

      // Numbering is per session.
      const { session: other } = await openSession(store(), W);
      expect((await store().transcripts.append({ sessionId: other.id, workspaceId: W, role: 'user', text: 'hi', key: 'other-1', at: 1 })).entry.seq).toBe(1);
    });

    it('appends trace events in batches, numbered per session', async () => {
      const { workspace } = await newWorkspace(store());
      const W = workspace.id;
      const { session } = await openSession(store(), W);
      await store().traces.append(W, session.id, [trace(session.id, 1, 100), trace(session.id, 2, 101)]);
      await store().traces.append(W, session.id, []);
      await Promise.all([3, 4, 5].map((turn) => store().traces.append(W, session.id, [trace(session.id, turn), trace(session.id, turn)])));
      const all = await store().traces.list(W, session.id, { limit: 200 });
      expect(all.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(all[0]).toEqual({ sessionId: session.id, workspaceId: W, seq: 1, event: trace(session.id, 1, 100), at: expect.any(Number) });
      expect(all.map((t) => (t.event as { turn: number }).turn).slice(0, 2)).toEqual([1, 2]);
      expect((await store().traces.list(W, session.id, { afterSeq: 6 })).map((t) => t.seq)).toEqual([7, 8]);
      expect((await store().traces.list(W, session.id, { afterSeq: 1, limit: 2 })).map((t) => t.seq)).toEqual([2, 3]);
    });

    it("keeps workspace A away from B's sessions, transcripts and traces, and B's data unchanged", async () => {
      const a = await newWorkspace(store());
      const b = await newWorkspace(store());
      const A = a.workspace.id;
      const B = b.workspace.id;
      const theirs = await openSession(store(), B);
      await store().sessions.saveRecord(theirs.session.id, record(theirs.session.id, B, 'idle'));
      await store().transcripts.append({ sessionId: theirs.session.id, workspaceId: B, role: 'user', text: 'secret', key: 'k1', at: 1 });
      await store().traces.append(B, theirs.session.id, [trace(theirs.session.id, 1)]);
      const snapshot = async () => ({
        session: await store().sessions.get(B, theirs.session.id),
        sessions: await store().sessions.list(B),
        transcript: await store().transcripts.list(B, theirs.session.id),
        traces: await store().traces.list(B, theirs.session.id),
      });
      const before = await snapshot();

      expect(await store().sessions.get(A, theirs.session.id)).toBeUndefined();
      expect((await store().sessions.list(A)).items).toEqual([]);
      expect((await store().sessions.list(A, { deploymentId: theirs.deploymentId })).items).toEqual([]);
      await store().sessions.setVersion(A, theirs.session.id, 'hijacked');
      expect(await store().transcripts.list(A, theirs.session.id)).toEqual([]);
      expect(await store().traces.list(A, theirs.session.id)).toEqual([]);
      // The same transcript key in A is A's own entry; B's stays as it was.
      const own = await store().transcripts.append({ sessionId: theirs.session.id, workspaceId: A, role: 'user', text: 'mine', key: 'k1', at: 2 });
      expect(own).toMatchObject({ created: true, entry: { workspaceId: A, text: 'mine', seq: 1 } });
      await store().traces.append(A, theirs.session.id, [trace(theirs.session.id, 9)]);
      // Opening the same (deployment, contact) ids in A makes A's own conversation.
      const mine = await store().sessions.open(A, { deploymentId: theirs.deploymentId, contactId: theirs.contact.id, channel: 'web', versionId: 'vA' });
      expect(mine.id).not.toBe(theirs.session.id);
      expect(mine.workspaceId).toBe(A);

      expect(await snapshot()).toEqual(before);
    });
  });
}
