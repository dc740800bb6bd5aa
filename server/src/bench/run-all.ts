import { benchHttpTurns } from './bench-http.js';
import { benchScaleOut } from './bench-scale-out.js';
import { benchIdleSockets } from './bench-sockets.js';

/** The server part of `npm run bench`: HTTP turns under load, one process against two (scale-out), and memory of idle chat sockets. */
async function main(): Promise<void> {
  console.log('Nexus Flow server benchmarks (built server in its own process, offline demo model)');
  await benchHttpTurns();
  await benchScaleOut();
  await benchIdleSockets(Number(process.env.BENCH_SOCKETS ?? 10_000));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
