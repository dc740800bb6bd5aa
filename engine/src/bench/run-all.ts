import { benchExpressions } from '../expressions/expressions-bench.js';
import { benchCompile } from './compile-bench.js';
import { benchParkedHeap, benchStepOverhead, benchThroughput } from './runtime-bench.js';

/** `npm run bench`: prints figures; nothing here asserts on time. */
async function main(): Promise<void> {
  console.log(`Nexus Flow engine benchmarks (node ${process.version}, ${process.platform}/${process.arch})`);
  await benchCompile();
  await benchExpressions();
  await benchStepOverhead();
  await benchThroughput();
  await benchParkedHeap();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
