import { describe, expect, it } from 'vitest';
import { WorkspaceGate } from './workspace-gate.js';

describe('WorkspaceGate', () => {
  it('admits up to maxConcurrent per workspace, queues up to maxQueued and refuses beyond', async () => {
    const gate = new WorkspaceGate({ maxConcurrent: 1, maxQueued: 1 });
    expect(gate.tryAcquire('a')).toBe(true);
    expect(gate.tryAcquire('a')).toBe(false);
    expect(gate.tryAcquire('b')).toBe(true);
    const waiting = gate.wait('a', 10_000);
    expect(gate.wait('a', 10_000)).toBeUndefined();
    expect(gate.queued).toBe(1);
    gate.release('a');
    await expect(waiting).resolves.toBe('granted');
    expect(gate.queued).toBe(0);
  });

  it('gives up on a slot after the wait limit and when closed', async () => {
    const gate = new WorkspaceGate({ maxConcurrent: 1, maxQueued: 2 });
    gate.tryAcquire('a');
    const short = gate.wait('a', 5);
    const long = gate.wait('a', 10_000);
    await expect(short).resolves.toBe('timeout');
    gate.closeAll();
    await expect(long).resolves.toBe('closed');
  });
});
