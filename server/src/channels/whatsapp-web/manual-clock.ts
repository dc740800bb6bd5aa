import type { Timers } from './types.js';

interface Pending {
  at: number;
  delay: number;
  callback: () => void;
}

/**
 * A clock and timers that only move when told: `advance(ms)` fires what falls due, in order.
 * With `auto`, every timer fires on its own (on the next turn of the event loop) with the clock
 * jumping to its time, so code that waits (pacing) runs at once while its clock still shows the
 * waits. For tests of the adapter and of anything else that takes `now` and `timers`.
 */
export function createManualClock(options: { start?: number; auto?: boolean } = {}) {
  let current = options.start ?? 1_700_000_000_000;
  let sequence = 0;
  const pending = new Map<number, Pending>();

  function earliest(): [number, Pending] | undefined {
    let found: [number, Pending] | undefined;
    for (const entry of pending) if (found === undefined || entry[1].at < found[1].at) found = entry;
    return found;
  }

  function fire(id: number, timer: Pending): void {
    pending.delete(id);
    current = Math.max(current, timer.at);
    timer.callback();
  }

  const timers: Timers = {
    setTimeout(callback, ms) {
      const id = ++sequence;
      const delay = Math.max(0, ms);
      pending.set(id, { at: current + delay, delay, callback });
      if (options.auto === true) {
        setImmediate(() => {
          const next = earliest();
          if (next !== undefined) fire(...next);
        });
      }
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };

  return {
    now: () => current,
    timers,
    /** Moves the clock by `ms`, firing every timer that falls due on the way. */
    advance(ms: number): void {
      const target = current + ms;
      for (let next = earliest(); next !== undefined && next[1].at <= target; next = earliest()) fire(...next);
      current = target;
    },
    /** Fires the earliest timer (moving the clock to it); answers its delay, or undefined when none waits. */
    fireNext(): number | undefined {
      const next = earliest();
      if (next === undefined) return undefined;
      fire(...next);
      return next[1].delay;
    },
    /** Delays (as asked for) of the timers still waiting, earliest first. */
    pendingDelays(): number[] {
      return [...pending.values()].sort((a, b) => a.at - b.at).map((t) => t.delay);
    },
  };
}
export type ManualClock = ReturnType<typeof createManualClock>;
