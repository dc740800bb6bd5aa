import { createSandboxPool, type SandboxPool } from '../sandbox/index.js';

let shared: SandboxPool | undefined;

/** One sandbox pool per test process, closed when the process exits. */
export function testSandbox(): SandboxPool {
  if (shared === undefined) {
    const pool = createSandboxPool({ size: 1 });
    shared = pool;
    process.once('beforeExit', () => void pool.close());
  }
  return shared;
}
