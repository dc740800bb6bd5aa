import { createHash } from 'node:crypto';
import { afterAll } from 'vitest';
import { createSandboxPool, type SandboxPool, type SandboxPoolOptions } from '../../src/sandbox/index.js';
import type { CapabilityCall, SandboxCode, SandboxRunRequest, SandboxRunResult } from '../../src/sandbox/types.js';

/**
 * A CommonJS bundle with one `run` per node type, as esbuild would emit it. Each entry is the source
 * of a `run` function, e.g. `async (input, ctx) => ({ port: 'out' })`.
 */
export function bundle(pluginName: string, nodes: Record<string, string>, options: { prelude?: string; strict?: boolean } = {}): SandboxCode {
  const entries = Object.entries(nodes)
    .map(([type, run]) => `    ${JSON.stringify(type)}: { run: ${run} },`)
    .join('\n');
  const code = `${options.strict === false ? '' : "'use strict';\n"}${options.prelude ?? ''}\nmodule.exports = { nodes: {\n${entries}\n} };\n`;
  return { pluginName, codeHash: createHash('sha256').update(code).digest('hex'), code };
}

export type CallHandler = (call: CapabilityCall) => Promise<unknown>;

export function request(plugin: SandboxCode, nodeType: string, overrides: Partial<SandboxRunRequest> = {}): SandboxRunRequest {
  return {
    workspaceId: 'ws-a',
    plugin,
    nodeType,
    input: {},
    limits: { timeoutMs: 2_000, memoryMb: 32 },
    capabilities: [],
    onCapabilityCall: () => Promise.reject(new Error('no capability expected in this test')),
    ...overrides,
  };
}

/** A pool closed after the file's tests, so no worker process outlives them. */
export function poolForFile(options: SandboxPoolOptions = {}): SandboxPool {
  const pool = createSandboxPool(options);
  afterAll(() => pool.close());
  return pool;
}

export function expectOk(result: SandboxRunResult): Extract<SandboxRunResult, { ok: true }>['value'] {
  if (!result.ok) throw new Error(`expected the step to succeed, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function errorOf(result: SandboxRunResult): Extract<SandboxRunResult, { ok: false }>['error'] {
  if (result.ok) throw new Error(`expected the step to fail, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** Polls until `check` holds, bounded by count and deadline. */
export async function eventually(check: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (let i = 0; i < 1_000 && Date.now() < until; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
