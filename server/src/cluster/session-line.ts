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
  return {
    run: (sessionId, task) => queue.run(sessionId, task),
    // A single process resumes its interrupted turns at start (`resumeInterrupted`).
    isAbandoned: async () => false,
    idle: () => queue.idle(),
  };
}
