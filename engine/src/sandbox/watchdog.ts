/**
 * Host-side backstop for a step's wall-clock limit (RELIABILITY.md rule 2). The worker enforces the
 * deadline itself; a worker that has not answered `grace` after it is stuck in native code or
 * spinning where no isolate timeout reaches (#460, #499), and the pool kills it with SIGKILL.
 */
export class Watchdog {
  private readonly timers = new Map<number, NodeJS.Timeout>();

  /**
   * `onOverdue` returns the `performance.now()` time to check again at instead of giving up, when the
   * worker may still legitimately be busy (another step's synchronous entry, bounded by its own deadline).
   */
  constructor(
    private readonly graceMs: number,
    private readonly onOverdue: (runId: number) => number | undefined,
  ) {}

  /** Checks on the run `grace` after `deadline` (a `performance.now()` time). */
  arm(runId: number, deadline: number): void {
    this.disarm(runId);
    const timer = setTimeout(() => {
      this.timers.delete(runId);
      const later = this.onOverdue(runId);
      if (later !== undefined) this.arm(runId, later);
    }, Math.max(0, deadline - performance.now()) + this.graceMs);
    timer.unref();
    this.timers.set(runId, timer);
  }

  disarm(runId: number): void {
    const timer = this.timers.get(runId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(runId);
  }

  disarmAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
