export type SlotWait = 'granted' | 'timeout' | 'closed';

interface Waiter {
  resolve(outcome: SlotWait): void;
  timer: NodeJS.Timeout;
}

/**
 * Admission per workspace (S-18): at most `maxConcurrent` runs of one workspace are in the pool at
 * once, and at most `maxQueued` more wait, each no longer than its own time limit. Past that the run
 * is refused at once, so one workspace's flood cannot starve the others.
 */
export class WorkspaceGate {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();
  private queuedCount = 0;

  constructor(private readonly limits: { maxConcurrent: number; maxQueued: number }) {}

  get queued(): number {
    return this.queuedCount;
  }

  /** Takes a slot when one is free; no promise on this hot path. */
  tryAcquire(workspaceId: string): boolean {
    const active = this.active.get(workspaceId) ?? 0;
    if (active >= this.limits.maxConcurrent) return false;
    this.active.set(workspaceId, active + 1);
    return true;
  }

  /** Waits for a slot; undefined when the workspace's queue is already full. */
  wait(workspaceId: string, maxWaitMs: number): Promise<SlotWait> | undefined {
    const queue = this.waiting.get(workspaceId) ?? [];
    if (queue.length >= this.limits.maxQueued) return undefined;
    this.waiting.set(workspaceId, queue);
    this.queuedCount += 1;
    return new Promise<SlotWait>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.remove(workspaceId, waiter);
          resolve('timeout');
        }, maxWaitMs).unref(),
      };
      queue.push(waiter);
    });
  }

  /** Hands the slot to the next waiter of the workspace, or frees it. */
  release(workspaceId: string): void {
    const next = this.waiting.get(workspaceId)?.[0];
    if (next !== undefined) {
      this.remove(workspaceId, next);
      next.resolve('granted');
      return;
    }
    const active = (this.active.get(workspaceId) ?? 1) - 1;
    if (active <= 0) this.active.delete(workspaceId);
    else this.active.set(workspaceId, active);
  }

  closeAll(): void {
    for (const [workspaceId, queue] of this.waiting) {
      for (const waiter of [...queue]) {
        this.remove(workspaceId, waiter);
        waiter.resolve('closed');
      }
    }
  }

  private remove(workspaceId: string, waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const queue = this.waiting.get(workspaceId);
    const index = queue?.indexOf(waiter) ?? -1;
    if (queue === undefined || index < 0) return;
    queue.splice(index, 1);
    this.queuedCount -= 1;
    if (queue.length === 0) this.waiting.delete(workspaceId);
  }
}
