import { readFile } from 'node:fs/promises';
import readline from 'node:readline';
import type { ValidationIssue } from '@nexusflow/schemas';
import { NexusError } from '../errors.js';
import { compileFlow } from '../compile/compile-flow.js';
import { checkPluginExports } from '../plugins/check-exports.js';
import { createRegistry } from '../plugins/registry.js';
import type { LoadedPlugin } from '../plugins/types.js';
import { createSandboxPool } from '../sandbox/index.js';
import { createSessionRuntime } from '../session/runtime.js';
import { createFileSessionStore } from '../session/stores/file-store.js';
import { createMemorySessionStore } from '../session/stores/memory-store.js';
import type { CapabilityProvider, TraceEvent } from '../session/types.js';

export interface ChatOptions {
  flowFile: string;
  plugins: LoadedPlugin[];
  storeDir?: string;
  contact: string;
  trace: boolean;
  out: NodeJS.WritableStream;
  input: NodeJS.ReadableStream;
}

export async function readFlowFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new NexusError('flow_invalid', `cannot read ${file}: ${error.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NexusError('flow_invalid', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

export function formatIssues(file: string, issues: ValidationIssue[]): string {
  return [`${file} is not a valid flow (${issues.length} problem${issues.length === 1 ? '' : 's'}):`, ...issues.map((i) => `  ${i.pointer || '/'}: ${i.message}`)].join('\n');
}

/** Local capabilities: replies print, kv lives in memory, everything else needs the server. */
function cliCapabilities(print: (line: string) => void): CapabilityProvider {
  const kv = new Map<string, unknown>();
  return {
    async invoke(call, context) {
      const scoped = `${context.workspaceId}\u0000${context.plugin}\u0000${String(call.args[0])}`;
      if (call.capability === 'channel' && call.method === 'send') {
        const message = call.args[0] as { text?: string; buttons?: { title: string }[]; media?: { url: string } };
        if (message.text !== undefined) print(`bot> ${message.text}`);
        message.buttons?.forEach((b, i) => print(`     [${i + 1}] ${b.title}`));
        if (message.media !== undefined) print(`     (media: ${message.media.url})`);
        return undefined;
      }
      if (call.capability === 'kv') {
        if (call.method === 'get') return kv.get(scoped) ?? null;
        if (call.method === 'set') return void kv.set(scoped, call.args[1]);
        if (call.method === 'delete') return void kv.delete(scoped);
      }
      throw new NexusError('capability_failed', `${call.capability}.${call.method} is not available in the terminal chat; run it in the server`);
    },
  };
}

function describeTrace(event: TraceEvent): string | undefined {
  switch (event.type) {
    case 'node.port':
      return `  · ${event.nodeId} → ${event.port} (${event.durationMs} ms)`;
    case 'node.error':
      return `  · ${event.nodeId} ✗ ${event.error.code}: ${event.error.message}`;
    case 'session.parked':
      return `  · waiting at ${event.nodeId}`;
    default:
      return undefined;
  }
}

/** An interactive chat with a flow in the terminal; ends at end of input. */
export async function chat(options: ChatOptions): Promise<number> {
  const print = (line: string) => void options.out.write(`${line}\n`);
  const registry = createRegistry({ plugins: options.plugins });
  const doc = await readFlowFile(options.flowFile);
  const compiled = compileFlow(doc, registry);
  if (!compiled.ok) {
    print(formatIssues(options.flowFile, compiled.issues));
    return 1;
  }
  const flow = compiled.value.flow;
  const sandbox = createSandboxPool({ size: 1 });
  for (const plugin of options.plugins) {
    const issues = await checkPluginExports(plugin, sandbox);
    if (issues.length > 0) {
      print(formatIssues(`plugin ${plugin.manifest.name}`, issues).replace('is not a valid flow', 'does not match its bundle'));
      await sandbox.close();
      return 1;
    }
  }
  const runtime = createSessionRuntime({
    registry,
    store: options.storeDir === undefined ? createMemorySessionStore() : createFileSessionStore(options.storeDir),
    sandbox,
    capabilities: cliCapabilities(print),
    resolve: () => ({ workspaceId: 'local', flow, contact: { id: options.contact } }),
    trace: { emit: (event) => { const line = options.trace ? describeTrace(event) : undefined; if (line !== undefined) print(line); } },
  });
  print(`Chatting with "${flow.name}" (${flow.nodes.length} nodes). Type a message; Ctrl+D ends.`);
  const lines = readline.createInterface({ input: options.input, terminal: false });
  try {
    for await (const line of lines) {
      const text = line.trim();
      if (text === '') continue;
      const result = await runtime.dispatch(`local:${options.contact}`, { text });
      if (result.status === 'failed') print(`  ! ${result.error?.code}: ${result.error?.message}`);
    }
  } finally {
    await runtime.close();
    await sandbox.close();
  }
  print('Bye.');
  return 0;
}
