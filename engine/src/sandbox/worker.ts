/**
 * Entry of a sandbox worker process, forked by the pool with `--no-node-snapshot` and a minimal
 * environment. It holds the isolates; the process that owns sessions never does (RELIABILITY.md rule 1).
 */
import { IsolateCache } from './isolate-cache.js';
import { RunExecutor } from './run-executor.js';
import { TEST_HOOKS_ENV, WORKER_CONFIG_ENV, type HostToWorker, type RunMessage, type WorkerConfig, type WorkerToHost } from './worker-protocol.js';

/** Bundle texts kept per code hash, so the host ships each one once. */
class CodeCache {
  private readonly codes = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  get(hash: string): string | undefined {
    const code = this.codes.get(hash);
    if (code !== undefined) {
      this.codes.delete(hash);
      this.codes.set(hash, code);
    }
    return code;
  }

  set(hash: string, code: string): void {
    const previous = this.codes.get(hash);
    if (previous !== undefined) this.chars -= previous.length;
    this.codes.delete(hash);
    this.codes.set(hash, code);
    this.chars += code.length;
    for (const [oldest, text] of this.codes) {
      if (this.chars <= this.maxChars || oldest === hash) break;
      this.codes.delete(oldest);
      this.chars -= text.length;
    }
  }
}

function readConfig(): WorkerConfig {
  const fallback: WorkerConfig = { maxIsolates: 16, recycleAfterRuns: 5_000, recycleAtHeapShare: 0.7, maxCodeChars: 64 * 1024 * 1024 };
  try {
    return { ...fallback, ...(JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as Partial<WorkerConfig>) };
  } catch {
    return fallback;
  }
}

function send(message: WorkerToHost): void {
  if (process.send === undefined || !process.connected) return;
  process.send(message);
}

const config = readConfig();
const cache = new IsolateCache(config);
const codes = new CodeCache(config.maxCodeChars);
const executor = new RunExecutor({ cache, testHooks: process.env[TEST_HOOKS_ENV] === '1', send });

function onRun(message: RunMessage): void {
  if (message.code !== undefined) codes.set(message.codeHash, message.code);
  const code = message.code ?? codes.get(message.codeHash);
  if (code === undefined) {
    send({ t: 'need-code', id: message.id });
    return;
  }
  executor.start(message, code);
}

process.title = 'nexusflow-sandbox';
process.on('message', (message: HostToWorker) => {
  switch (message.t) {
    case 'run':
      onRun(message);
      return;
    case 'cap-result':
      executor.capabilityResult(message);
      return;
    case 'exports':
      send({ t: 'exports', id: message.id, ...executor.listTypes(message.pluginName, message.code) });
      return;
    case 'shutdown':
      cache.disposeAll();
      process.exit(0);
  }
});
// Orphaned workers end with their host.
process.on('disconnect', () => {
  cache.disposeAll();
  process.exit(0);
});
send({ t: 'ready', pid: process.pid });
