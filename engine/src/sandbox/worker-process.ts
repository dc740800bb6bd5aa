import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TEST_HOOKS_ENV, WORKER_CONFIG_ENV, type HostToWorker, type WorkerConfig, type WorkerToHost } from './worker-protocol.js';

export interface WorkerProcessOptions {
  config: WorkerConfig;
  testHooks: boolean;
  startTimeoutMs: number;
  onMessage(worker: WorkerProcess, message: WorkerToHost): void;
  /** `how` reads like "signal SIGKILL" or "exit code 1". */
  onExit(worker: WorkerProcess, how: string): void;
}

/**
 * isolated-vm 5 on Node 20 needs `--no-node-snapshot` in every process that loads it (#420, #472).
 * From TypeScript sources (tests) the worker runs through tsx; built, it is the `.js` sibling.
 * `execArgv` is always explicit, so a host started with `--inspect` never passes it on (S-19).
 */
export function workerLaunch(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { file: fileURLToPath(new URL('./worker.js', here)), execArgv: ['--no-node-snapshot'] };
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return { file: fileURLToPath(new URL('./worker.ts', here)), execArgv: ['--no-node-snapshot', '--import', tsx] };
}

/** Host-side handle of one sandbox worker process and what the pool knows about it. */
export class WorkerProcess {
  readonly child: ChildProcess;
  /** Runs and export listings sent and not answered yet. */
  inFlight = 0;
  /** Runs sent to this worker so far. */
  runs = 0;
  readonly runIds = new Set<number>();
  /** Isolate keys the worker is believed to hold warm (a routing hint only). */
  readonly warmKeys = new Set<string>();
  readonly codeHashes = new Set<string>();
  ready = false;
  /** Killed or exited: takes no more work. */
  dead = false;
  private outbox: HostToWorker[] = [];
  private readonly startTimer: NodeJS.Timeout;

  constructor(private readonly options: WorkerProcessOptions) {
    const launch = workerLaunch();
    // A minimal environment: no API keys or other host secrets reach the sandbox process.
    const env: NodeJS.ProcessEnv = { [WORKER_CONFIG_ENV]: JSON.stringify(options.config) };
    if (options.testHooks) env[TEST_HOOKS_ENV] = '1';
    this.child = fork(launch.file, [], {
      execArgv: launch.execArgv,
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.startTimer = setTimeout(() => {
      if (!this.ready) this.kill();
    }, options.startTimeoutMs);
    this.startTimer.unref();
    this.child.on('message', (message: WorkerToHost) => this.receive(message));
    this.child.on('error', () => this.kill());
    this.child.on('exit', (code, signal) => {
      this.dead = true;
      clearTimeout(this.startTimer);
      const how = signal !== null ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
      options.onExit(this, this.ready ? how : `${how}, before it was ready`);
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Work was sent. A busy worker keeps the host's event loop alive; an idle one does not. */
  begin(isRun: boolean): void {
    this.inFlight += 1;
    if (isRun) this.runs += 1;
    if (this.inFlight === 1) this.setRef(true);
  }

  end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.setRef(false);
  }

  private setRef(ref: boolean): void {
    if (ref) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  send(message: HostToWorker): void {
    if (this.dead) return;
    if (!this.ready) {
      this.outbox.push(message);
      return;
    }
    if (message.t === 'run' && message.dispatchedAt === 0) message.dispatchedAt = Date.now();
    try {
      this.child.send(message);
    } catch {
      this.kill();
    }
  }

  kill(): void {
    this.dead = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Asks the worker to dispose its isolates and exit; kills it if it does not within `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.setRef(true);
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.ready && this.child.connected) this.send({ t: 'shutdown' });
    else this.kill();
    this.dead = true;
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private receive(message: WorkerToHost): void {
    if (message.t === 'ready') {
      this.ready = true;
      clearTimeout(this.startTimer);
      const queued = this.outbox;
      this.outbox = [];
      for (const item of queued) this.send(item);
      return;
    }
    this.options.onMessage(this, message);
  }
}
