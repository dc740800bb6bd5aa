import path from 'node:path';
import { NexusError } from '../errors.js';
import { compileFlow } from '../compile/compile-flow.js';
import { buildPlugin } from '../plugins/build-plugin.js';
import { createRegistry } from '../plugins/registry.js';
import { scaffoldPlugin } from '../plugins/scaffold-plugin.js';
import { parseArgs } from './args.js';
import { chat, formatIssues, readFlowFile } from './chat.js';
import { loadPluginDir } from './load-plugins.js';

export const ENGINE_USAGE = `nexusflow: run and check Nexus Flow flows and plugins from the terminal

  nexusflow chat <flow.json> [--core-plugin <dir>] [--plugin <dir>]... [--store <dir>] [--contact <id>] [--trace]
      Chat with a flow; replies print as "bot>". --store keeps sessions in files between runs.
  nexusflow validate <flow.json> [--core-plugin <dir>] [--plugin <dir>]...
      Check a flow and list every problem with its JSON pointer.
  nexusflow plugin new <dir> --name <plugin>
      Write a new plugin folder: plugin.json, one node, its test.
  nexusflow plugin build <dir> [--entry src/index.ts]
      Bundle a plugin's sources into the single file its plugin.json names as "main".

Plugin steps run in sandbox worker processes, started with --no-node-snapshot as isolated-vm needs.`;

async function loadPlugins(options: Map<string, string[]>) {
  const core = await Promise.all((options.get('core-plugin') ?? []).map((dir) => loadPluginDir(dir, true)));
  const others = await Promise.all((options.get('plugin') ?? []).map((dir) => loadPluginDir(dir, false)));
  return [...core, ...others];
}

/** Runs one engine command (chat, validate, plugin new, plugin build); answers the exit code. */
export async function runEngineCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const [command, subject, extra] = args.positionals;
  if (command === undefined || args.flags.has('help')) {
    console.log(ENGINE_USAGE);
    return command === undefined && !args.flags.has('help') ? 1 : 0;
  }
  if (command === 'chat' && subject !== undefined) {
    const chatOptions = {
      flowFile: subject,
      plugins: await loadPlugins(args.options),
      contact: args.options.get('contact')?.[0] ?? 'you',
      trace: args.flags.has('trace'),
      out: process.stdout,
      input: process.stdin,
    };
    const store = args.options.get('store')?.[0];
    return chat(store === undefined ? chatOptions : { ...chatOptions, storeDir: store });
  }
  if (command === 'validate' && subject !== undefined) {
    const compiled = compileFlow(await readFlowFile(subject), createRegistry({ plugins: await loadPlugins(args.options) }));
    if (!compiled.ok) {
      console.log(formatIssues(subject, compiled.issues));
      return 1;
    }
    const { flow } = compiled.value;
    console.log(`${subject} is valid: ${flow.nodes.length} nodes, ${flow.edges.length} edges (hash ${compiled.value.hash.slice(0, 12)})`);
    return 0;
  }
  if (command === 'plugin' && subject === 'new' && extra !== undefined) {
    const name = args.options.get('name')?.[0] ?? path.basename(path.resolve(extra));
    for (const file of await scaffoldPlugin(extra, name)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
    console.log(`next: nexusflow plugin build ${extra}`);
    return 0;
  }
  if (command === 'plugin' && subject === 'build' && extra !== undefined) {
    const entry = args.options.get('entry')?.[0];
    const built = await buildPlugin(extra, entry === undefined ? {} : { entry });
    console.log(`built ${path.relative(process.cwd(), built.outfile)} (${Buffer.byteLength(built.code)} bytes)`);
    return 0;
  }
  console.error(`unknown command: ${args.positionals.join(' ')}\n\n${ENGINE_USAGE}`);
  return 1;
}

