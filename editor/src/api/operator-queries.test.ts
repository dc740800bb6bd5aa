import { describe, expect, it } from 'vitest';
import { newerStatus, withChannel, withChannelStatus } from './operator-queries.js';
import type { ChannelView } from './types.js';

const view = (id: string, state: string, since: number): ChannelView => ({ id, deploymentId: 'd1', kind: 'whatsapp', name: id, config: {}, status: { state, since }, createdAt: 0, updatedAt: 0 });

describe('channel cache updates', () => {
  it('keeps the status that changed last, whichever arrives last', () => {
    expect(newerStatus({ state: 'ready', since: 20 }, { state: 'starting', since: 10 }).state).toBe('ready');
    expect(newerStatus({ state: 'starting', since: 10 }, { state: 'ready', since: 20 }).state).toBe('ready');
    expect(newerStatus({ state: 'starting', since: 10 }, { state: 'waiting_for_qr', since: 10 }).state).toBe('waiting_for_qr');
  });

  it("puts an answer's connection in place (or first when new) without undoing a newer pushed status", () => {
    const list = [view('a', 'ready', 30), view('b', 'stopped', 5)];
    const renamed = { ...view('a', 'starting', 10), name: 'renamed' };
    expect(withChannel(list, renamed).map((c) => [c.id, c.name, c.status.state])).toEqual([
      ['a', 'renamed', 'ready'],
      ['b', 'b', 'stopped'],
    ]);
    expect(withChannel(list, view('c', 'starting', 1)).map((c) => c.id)).toEqual(['c', 'a', 'b']);
  });

  it('applies a pushed status to its connection only, ignoring unknown ones', () => {
    const list = [view('a', 'starting', 10), view('b', 'ready', 10)];
    const next = withChannelStatus(list, { connectionId: 'a', status: { state: 'waiting_for_qr', since: 11, qrSvg: '<svg/>' } });
    expect(next.map((c) => c.status.state)).toEqual(['waiting_for_qr', 'ready']);
    expect(next[1]).toBe(list[1]);
    expect(withChannelStatus(list, { connectionId: 'zz', status: { state: 'ready', since: 99 } })).toEqual(list);
  });
});
