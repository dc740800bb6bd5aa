import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { median, report } from '@nexusflow/engine/testing';
import { pino } from 'pino';
import { connectRedis, openRedis } from '../cluster/redis-connection.js';
import { load, tenNodeFlow } from './bench-http.js';
import { prepareBenchData, startBenchProcess, type BenchServer } from './bench-server.js';

const CONNECTIONS = 20;
const TURNS_PER_CONNECTION = 10;
const ROUNDS = 6;

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

/** Busy and total CPU time of the whole machine so far (Linux /proc/stat), in clock ticks. */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

interface Setup {
  name: string;
  processes: number;
  env: Record<string, string>;
  servers: BenchServer[];
  publishableKey: string;
  rates: number[];
  failures: number;
  /** Busy share of the machine's cores during this setup's rounds (1 = every core busy all the time). */
  cpu: { busy: number; total: number };
}

async function startSetup(name: string, processes: number, env: Record<string, string>): Promise<Setup> {
  const data = await prepareBenchData(tenNodeFlow());
  const servers: BenchServer[] = [];
  // One after the other: the first creates the database, the rest open it.
  for (let i = 0; i < processes; i += 1) servers.push(await startBenchProcess(data, env));
  await load(servers.map((s) => s.url), data.publishableKey, 4 * processes, 5); // warm-up: workers, isolates, JIT
  return { name, processes, env, servers, publishableKey: data.publishableKey, rates: [], failures: 0, cpu: { busy: 0, total: 0 } };
}

async function measureRound(setup: Setup): Promise<void> {
  const before = machineCpu();
  const result = await load(setup.servers.map((s) => s.url), setup.publishableKey, CONNECTIONS, TURNS_PER_CONNECTION);
  const after = machineCpu();
  setup.rates.push(result.latencies.length / result.seconds);
  setup.failures += result.failures;
  setup.cpu.busy += after.busy - before.busy;
  setup.cpu.total += after.total - before.total;
}

/**
 * Scaling out on this machine: the same 10-node flow and load (20 clients, this process) against
 * one process, one process in cluster mode (Redis lines, fencing, relayed events), and two
 * processes sharing the SQLite file and Redis, each with half the machine's sandbox workers. All
 * three run at once and take turns round by round, so the machine's drift hits them alike; the
 * machine's CPU use tells whether there was room for a second process to use at all.
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
  const setups: Setup[] = [];
  try {
    setups.push(await startSetup('alone', 1, { SANDBOX_WORKERS: workers }));
    setups.push(await startSetup('one', 1, cluster(workers)));
    setups.push(await startSetup('two', 2, cluster(halfWorkers)));
    for (let round = 0; round < ROUNDS; round += 1) for (const setup of setups) await measureRound(setup);
  } finally {
    await Promise.all(setups.flatMap((setup) => setup.servers.map((server) => server.stop())));
  }
  const [alone, one, two] = setups as [Setup, Setup, Setup];
  const perRound = two.rates.map((rate, i) => rate / (one.rates[i] ?? rate));
  report(`server: scale-out, 10-node flow, ${CONNECTIONS} clients, ${cores} cores, ${ROUNDS} rounds`, {
    one_process_turns_per_s: median(alone.rates),
    one_process_redis_turns_per_s: median(one.rates),
    two_processes_turns_per_s: median(two.rates),
    redis_cost_ratio: median(one.rates) / median(alone.rates),
    scaling_ratio_two_vs_one: median(two.rates) / median(one.rates),
    scaling_ratio_min: Math.min(...perRound),
    scaling_ratio_max: Math.max(...perRound),
    // With the cores already busy under one process, a second one can only share them.
    cpu_busy_one: one.cpu.busy / Math.max(1, one.cpu.total),
    cpu_busy_two: two.cpu.busy / Math.max(1, two.cpu.total),
    failures: alone.failures + one.failures + two.failures,
  });
}
