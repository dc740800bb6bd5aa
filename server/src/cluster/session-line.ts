import { createKeyedQueue } from '@nexusflow/engine';

/** Messages that may wait behind a session's running turn before `queue_full`. */
export const MAX_PENDING_PER_SESSION = 100;

/**
 * The order of one conversation's messages. `run` starts its task when every message that arrived
 * before it for the same session has finished, wherever it arrived; different sessions run at once.
 */
export interface SessionLine {
  run<T>(sessionId: string, task: () => Promise<T>): Promise<T>;
  /**
   * True when a turn of the session may be running with nobody left to finish it: nobody is in its
   * line, or the process at the head is gone. The orphan sweeper resumes such turns.
   */
  isAbandoned(sessionId: string): Promise<boolean>;
  /** Resolves once every task of this process has finished. */
  idle(): Promise<void>;
}

/** One process: an in-memory queue per session is the whole line. */
export function createLocalSessionLine(maxPendingPerSession: number): SessionLine {
  const queue = createKeyedQueue(maxPendingPerSession);
  const busy = new Map<string, number>();
  return {
    run(sessionId, task) {
      busy.set(sessionId, (busy.get(sessionId) ?? 0) + 1);
      return queue.run(sessionId, task).finally(() => {
        const left = (busy.get(sessionId) ?? 1) - 1;
        if (left === 0) busy.delete(sessionId);
        else busy.set(sessionId, left);
      });
    },
    // Alone, a turn left running that this process is not working on was interrupted by a stop.
    isAbandoned: async (sessionId) => !busy.has(sessionId),
    idle: () => queue.idle(),
  };
}
