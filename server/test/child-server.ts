import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.ts');

export interface ChildServer {
  url: string;
  pid: number;
  process: ChildProcess;
  output: string[];
  /** Resolves with the exit code (or signal) once the process has gone. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts `nexusflow serve` from the TypeScript sources as a child process on 127.0.0.1:0 and waits
 * for its ready line (RELIABILITY §8: real processes, real kill -9).
 */
export async function spawnServer(env: Record<string, string>, timeoutMs = 60_000, user: { uid?: number; gid?: number } = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--no-node-snapshot', '--conditions=source', '--import', 'tsx', MAIN, 'serve'], {
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DEMO: '0', LOG_LEVEL: 'warn', SANDBOX_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Another user (C-08: file permissions bind only a process that is not root).
    ...user,
  });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in ${timeoutMs} ms:\n${output.join('')}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      const match = /Nexus Flow is ready at (http:\/\/\S+)/.exec(output.join(''));
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it was ready:\n${output.join('')}`));
    });
  });
  return {
    url,
    pid: child.pid as number,
    process: child,
    output,
    exited,
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
