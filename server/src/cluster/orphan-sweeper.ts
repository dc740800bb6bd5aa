import type { Logger } from 'pino';
import type { SessionLine } from './session-line.js';

export interface OrphanSweeper {
  /** Looks once; answers how many interrupted turns it took over. */
  sweep(): Promise<number>;
  stop(): void;
}

/**
 * Finds turns left running by a process that died (its heartbeat expired, so nobody heads their
 * line, or this very process before a restart) and resumes them here, in the session's line like any message: the step in flight runs at
 * most once more, with the same idempotency keys, so nothing is charged or sent twice.
 */
export function startOrphanSweeper(options: {
  line: SessionLine;
  listRunning: () => Promise<string[]>;
  resume: (sessionId: string) => Promise<unknown>;
  /** How often to look again; undefined: once, at start (one process alone). */
  everyMs?: number;
  logger: Logger;
}): OrphanSweeper {
  const { line, logger } = options;
  const resuming = new Set<string>();

  async function sweep(): Promise<number> {
    let taken = 0;
    for (const sessionId of await options.listRunning()) {
      if (resuming.has(sessionId) || !(await line.isAbandoned(sessionId))) continue;
      taken += 1;
      resuming.add(sessionId);
      logger.warn({ sessionId }, 'resuming a conversation whose server process stopped mid-turn');
      void line
        .run(sessionId, () => options.resume(sessionId))
        .then(
          (result) => logger.info({ sessionId, result }, 'resumed an interrupted conversation'),
          (error: unknown) => logger.warn({ sessionId, err: error }, 'could not resume an interrupted conversation yet; trying again later'),
        )
        .finally(() => resuming.delete(sessionId));
    }
    return taken;
  }

  let failing = false;
  const look = () =>
    sweep().then(
      () => (failing = false),
      (error: unknown) => {
        if (!failing) logger.warn({ err: (error as Error).message }, 'could not look for interrupted conversations (Redis or the store unreachable); trying again');
        failing = true;
      },
    );
  void look();
  const timer = options.everyMs === undefined ? undefined : setInterval(look, options.everyMs);
  timer?.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
