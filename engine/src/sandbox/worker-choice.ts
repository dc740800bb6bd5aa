import type { WorkerProcess } from './worker-process.js';

/**
 * Where a step goes: an idle worker already warm for its isolate key, else any idle worker, else a
 * new worker while the pool is below `size` (undefined: spawn one), else the least loaded, warm first.
 */
export function chooseWorker(workers: readonly WorkerProcess[], key: string, size: number): WorkerProcess | undefined {
  let idle: WorkerProcess | undefined;
  let live = 0;
  for (const worker of workers) {
    if (worker.dead) continue;
    live += 1;
    if (worker.inFlight > 0) continue;
    if (worker.warmKeys.has(key)) return worker;
    idle ??= worker;
  }
  if (idle !== undefined) return idle;
  if (live < size) return undefined;
  let best: WorkerProcess | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const worker of workers) {
    if (worker.dead) continue;
    const score = worker.inFlight + (worker.warmKeys.has(key) ? 0 : 1);
    if (score < bestScore) {
      best = worker;
      bestScore = score;
    }
  }
  return best;
}
