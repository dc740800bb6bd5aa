import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { median, report } from '@nexusflow/engine/testing';
import { pino } from 'pino';
import { connectRedis, openRedis } from '../cluster/redis-connection.js';
import { load, tenNodeFlow } from './bench-http.js';
import { prepareBenchData, startBenchProcess, type BenchServer } from './bench-server.js';

const CONNECTIONS = 20;
const TURNS_PER_CONNECTION = 15;
const ROUNDS = 3;

async function redisReachable(url: string): Promise<boolean> {
  const client = openRedis(url, 'nexusflow-bench', pino({ level: 'silent' }), { retryStrategy: () => null });
  try {
    await connectRedis(client, url);
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Turns per second of `processes` server processes on one data directory, the load spread over them. */
async function turnsPerSecond(processes: number, env: Record<string, string>): Promise<{ turnsPerS: number; failures: number }> {
  const data = await prepareBenchData(tenNodeFlow());
  const servers: BenchServer[] = [];
  try {
    // One after the other: the first creates the database, the rest open it.
    for (let i = 0; i < processes; i += 1) servers.push(await startBenchProcess(data, env));
    const urls = servers.map((s) => s.url);
    await load(urls, data.publishableKey, 4 * processes, 5); // warm-up: workers, isolates, JIT
    const rates: number[] = [];
    let failures = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const result = await load(urls, data.publishableKey, CONNECTIONS, TURNS_PER_CONNECTION);
      rates.push(result.latencies.length / result.seconds);
      failures += result.failures;
    }
    return { turnsPerS: median(rates), failures };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * Scaling out on this machine: the same 10-node flow and load (20 clients) against one process,
 * one process in cluster mode (Redis lines, fencing, relayed events), and two processes sharing
 * the SQLite file and Redis, each with half the machine's sandbox workers.
 */
export async function benchScaleOut(): Promise<void> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisReachable(redisUrl))) {
    console.log(`server: scale-out skipped: no Redis at ${redisUrl} (start redis-server, or set BENCH_REDIS_URL)`);
    return;
  }
  const cores = availableParallelism();
  const workers = String(Math.max(1, cores));
  const halfWorkers = String(Math.max(1, Math.floor(cores / 2)));
  const cluster = (workersEach: string) => ({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `nf-bench-${randomUUID().slice(0, 8)}:`, SANDBOX_WORKERS: workersEach });
  const alone = await turnsPerSecond(1, { SANDBOX_WORKERS: workers });
  const oneInCluster = await turnsPerSecond(1, cluster(workers));
  const two = await turnsPerSecond(2, cluster(halfWorkers));
  report(`server: scale-out, 10-node flow, ${CONNECTIONS} clients, ${cores} cores`, {
    one_process_turns_per_s: alone.turnsPerS,
    one_process_redis_turns_per_s: oneInCluster.turnsPerS,
    two_processes_turns_per_s: two.turnsPerS,
    redis_cost_ratio: oneInCluster.turnsPerS / alone.turnsPerS,
    scaling_ratio_two_vs_one: two.turnsPerS / oneInCluster.turnsPerS,
    failures: alone.failures + oneInCluster.failures + two.failures,
  });
}
