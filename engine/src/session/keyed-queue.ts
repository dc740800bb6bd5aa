import { NexusError } from '../errors.js';

/**
 * Runs tasks one at a time per key, in the order they were queued; different keys run
 * concurrently. A key with nothing queued holds no memory, so parked sessions cost nothing here.
 */
export function createKeyedQueue(maxPendingPerKey: number) {
  const tails = new Map<string, { tail: Promise<void>; pending: number }>();

  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const entry = tails.get(key) ?? { tail: Promise.resolve(), pending: 0 };
      if (entry.pending >= maxPendingPerKey) {
        return Promise.reject(
          new NexusError('queue_full', `session ${key} already has ${entry.pending} messages waiting; try again shortly`),
        );
      }
      entry.pending += 1;
      const result = entry.tail.then(task);
      entry.tail = result.then(
        () => undefined,
        () => undefined,
      );
      const tail = entry.tail;
      tails.set(key, entry);
      void tail.then(() => {
        entry.pending -= 1;
        if (entry.pending === 0 && tails.get(key) === entry) tails.delete(key);
      });
      return result;
    },
    /** Resolves once every queued task has finished. */
    async idle(): Promise<void> {
      while (tails.size > 0) await Promise.all([...tails.values()].map((e) => e.tail));
    },
    get activeKeys(): number {
      return tails.size;
    },
  };
}

export type KeyedQueue = ReturnType<typeof createKeyedQueue>;
