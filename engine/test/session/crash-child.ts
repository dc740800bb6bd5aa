// Runs one turn of the crash flow against a file store and blocks inside the step, so the test
// can SIGKILL this process mid-step. Usage: crash-child.ts <storeDir> <logFile>
import { appendFileSync } from 'node:fs';
import { createRegistry } from '../../src/plugins/registry.js';
import { createSandboxPool } from '../../src/sandbox/index.js';
import { createSessionRuntime } from '../../src/session/runtime.js';
import { createFileSessionStore } from '../../src/session/stores/file-store.js';
import { crashFlow, crashPlugin } from './crash-fixture.js';

const [storeDir, logFile] = process.argv.slice(2) as [string, string];
const runtime = createSessionRuntime({
  registry: createRegistry({ plugins: [crashPlugin] }),
  store: createFileSessionStore(storeDir),
  sandbox: createSandboxPool({ size: 1 }),
  capabilities: {
    invoke: async (call, context) => {
      appendFileSync(logFile, `${JSON.stringify({ pid: process.pid, capability: call.capability, key: context.idempotencyKey })}\n`);
      if (call.capability === 'kv') return new Promise(() => {});
      return undefined;
    },
  },
  resolve: () => ({ workspaceId: 'w', flow: crashFlow }),
});
void runtime.dispatch('w:alice', { text: 'order 42' });
