import type { Timers } from './types.js';

/** Runs jobs one after another, in the order they came (one connection sends one message at a time). */
export function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      const result = tail.then(job);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}

export function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timers.setTimeout(resolve, ms);
  });
}

/** Keeps at least `minIntervalMs` between two sends (of the adapter's clock). */
export function createPacer(minIntervalMs: number, now: () => number, timers: Timers) {
  let last: number | undefined;
  return {
    async wait(): Promise<void> {
      if (last === undefined) return;
      const due = last + minIntervalMs - now();
      if (due > 0) await sleep(timers, due);
    },
    /** A send was attempted (even a failed one reached WhatsApp's servers, perhaps). */
    sent(): void {
      last = now();
    },
  };
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
