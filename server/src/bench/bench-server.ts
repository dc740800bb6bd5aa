import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFlowOrThrow, createRegistry, type FlowDocument } from '@nexusflow/engine';
import { loadCorePlugin } from '@nexusflow/nodes';
import { openSqliteStore } from '../store/sqlite/index.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli/main.js');

export interface BenchServer {
  url: string;
  pid: number;
  publishableKey: string;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** Resident memory of a process, from /proc (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/**
 * Starts the built server (`dist/cli/main.js serve`) as its own process on a fresh data directory
 * holding one workspace with credits and `flow` deployed, so the figures are the server's alone.
 */
export async function startBenchServer(flow: FlowDocument, env: Record<string, string> = {}): Promise<BenchServer> {
  const data = await prepareBenchData(flow);
  return startBenchProcess(data, env);
}

/** A fresh data directory with one workspace, plenty of credits and `flow` deployed. */
export async function prepareBenchData(flow: FlowDocument): Promise<{ dataDir: string; publishableKey: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-bench-'));
  const store = openSqliteStore({ file: path.join(dataDir, 'nexusflow.db') });
  const user = await store.users.create({ email: 'bench@example.com', name: 'Bench', passwordHash: 'x' });
  const workspaceId = (await store.workspaces.create({ name: 'bench', ownerId: user.id })).id;
  await store.ledger.adjust(workspaceId, 'bench', 'bonus', 1_000_000_000);
  const compiled = compileFlowOrThrow(flow, createRegistry({ plugins: [await loadCorePlugin()] }));
  await store.flows.create(workspaceId, { id: flow.id, name: flow.name, document: compiled.flow });
  const version = await store.versions.publish(workspaceId, flow.id, { document: compiled.flow, hash: compiled.hash, createdBy: user.id });
  const publishableKey = `pk_bench_${Date.now()}`;
  await store.deployments.create(workspaceId, { flowId: flow.id, key: flow.id, name: flow.name, versionId: version.id, publishableKey, by: user.id });
  await store.close();
  return { dataDir, publishableKey };
}

/** One more server process on a prepared data directory (several share it when scaled out). */
export async function startBenchProcess(data: { dataDir: string; publishableKey: string }, env: Record<string, string> = {}): Promise<BenchServer> {
  const { dataDir, publishableKey } = data;
  const child: ChildProcess = spawn(process.execPath, ['--no-node-snapshot', MAIN, 'serve'], {
    env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: 'bench-secret-bench-secret-bench-secret', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', LLM_OFFLINE: '1', RATE_LIMIT_PER_MINUTE: '1000000', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bench server did not start:\n${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += String(chunk);
      const match = /Nexus Flow is ready at (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code}):\n${output}`)));
  });
  return {
    url,
    pid: child.pid as number,
    publishableKey,
    rssBytes: () => rssOf(child.pid as number),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
