import { NexusError } from '../errors.js';
import type { SandboxCode } from './types.js';
import type { WorkerProcess } from './worker-process.js';

/** Time a worker may take to load a bundle and list its node types (its isolate allows 5 s). */
export const LIST_EXPORTS_TIMEOUT_MS = 10_000;

interface PendingExport {
  worker: WorkerProcess;
  startedAt: number;
  pluginName: string;
  timer: NodeJS.Timeout;
  resolve(types: string[]): void;
  reject(error: Error): void;
}

/** `listExports` requests the pool has sent to workers and not had answered yet. */
export class ExportRequests {
  private readonly pending = new Map<number, PendingExport>();

  send(id: number, worker: WorkerProcess, code: SandboxCode, extraWaitMs: number): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const request: PendingExport = {
        worker,
        startedAt: performance.now(),
        pluginName: code.pluginName,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.finish(id, request);
          worker.kill();
          reject(new NexusError('plugin_invalid', `${code.pluginName}: loading the bundle did not finish within ${LIST_EXPORTS_TIMEOUT_MS} ms`));
        }, LIST_EXPORTS_TIMEOUT_MS + extraWaitMs),
      };
      request.timer.unref();
      this.pending.set(id, request);
      worker.begin(false);
      worker.send({ t: 'exports', id, pluginName: code.pluginName, code: code.code });
    });
  }

  answer(worker: WorkerProcess, id: number, answer: { ok: true; types: unknown } | { ok: false; message: unknown }): void {
    const request = this.pending.get(id);
    if (request === undefined || request.worker !== worker) return;
    this.finish(id, request);
    if (answer.ok && Array.isArray(answer.types)) {
      request.resolve(answer.types.filter((type): type is string => typeof type === 'string'));
    } else {
      request.reject(new NexusError('plugin_invalid', answer.ok ? `${request.pluginName}: no export list` : String(answer.message)));
    }
  }

  workerExited(worker: WorkerProcess, how: string): void {
    for (const [id, request] of this.pending) {
      if (request.worker !== worker) continue;
      this.finish(id, request);
      request.reject(new NexusError('plugin_invalid', `${request.pluginName}: the sandbox worker exited (${how}) while loading the bundle`));
    }
  }

  /** Latest time by which listings the worker began before `before` must have ended. */
  latestDeadline(worker: WorkerProcess, before: number): number {
    let latest = 0;
    for (const request of this.pending.values()) {
      if (request.worker === worker && request.startedAt <= before) latest = Math.max(latest, request.startedAt + LIST_EXPORTS_TIMEOUT_MS);
    }
    return latest;
  }

  private finish(id: number, request: PendingExport): void {
    this.pending.delete(id);
    clearTimeout(request.timer);
    request.worker.end();
  }
}
