#!/usr/bin/env node
import path from 'node:path';
import { NexusError, buildPlugin, checkPluginExports, createSandboxPool } from '@nexusflow/engine';
import { loadPluginDir, parseArgs, runEngineCommand } from '@nexusflow/engine/cli';
import { CORE_PLUGIN_DIR } from '@nexusflow/nodes';
import { ConversationTestError, formatReport, formatReportJson, runConversationTests } from './conversation-test/index.js';
import { exportFlow, importFlow, remoteOptions } from './remote.js';
import { serve } from './serve.js';

const USAGE = `nexusflow: the Nexus Flow server and its tools

  nexusflow serve
      Start the server (configuration from environment variables; see README "Configuration").
  nexusflow validate <flow.json> [--plugin <dir>]...
      Check a flow; exit 1 with every problem and its JSON pointer.
  nexusflow run <flow.json> [--plugin <dir>]... [--store <dir>] [--contact <id>] [--trace]
      Chat with a flow in the terminal.
  nexusflow import <flow.json> [--server <url>] --workspace <id> [--token <key>] [--replace yes]
  nexusflow export <flowId> [--server <url>] --workspace <id> [--token <key>] [--out <file>]
      Move flows in and out of a running server (token: an API key, or NEXUSFLOW_TOKEN).
  nexusflow test <flow.json> <conversations.json> [--plugin <dir>]... [--json]
      Replay recorded conversations (user messages, scripted LLM replies, expected replies, ports,
      variables) against a flow and report each difference; exit 1 when any conversation fails.
  nexusflow plugin new <dir> --name <plugin>
  nexusflow plugin build <dir> [--entry src/index.ts]
  nexusflow plugin test <dir> [--entry src/index.ts]
      Build a plugin, then check in a real isolate that its bundle and manifest agree.

The core plugin is always loaded. Plugin steps run in sandbox worker processes (--no-node-snapshot).`;

const print = (line: string) => void process.stdout.write(`${line}\n`);

async function pluginTest(dir: string, entry: string | undefined): Promise<number> {
  const built = await buildPlugin(dir, entry === undefined ? {} : { entry });
  print(`built ${path.relative(process.cwd(), built.outfile)} (${Buffer.byteLength(built.code)} bytes)`);
  const plugin = await loadPluginDir(dir, false);
  const sandbox = createSandboxPool({ size: 1 });
  try {
    const issues = await checkPluginExports(plugin, sandbox);
    if (issues.length > 0) {
      print(`✗ ${plugin.manifest.name}: the bundle does not match plugin.json`);
      for (const issue of issues) print(`  ${issue.pointer || '/'}: ${issue.message}`);
      return 1;
    }
    print(`✓ ${plugin.manifest.name}@${plugin.manifest.version}: ${plugin.manifest.nodes.length} node(s) load in an isolate and match plugin.json`);
    print('  run the plugin\'s own tests with vitest (forks pool, --no-node-snapshot), as its README says');
    return 0;
  } finally {
    await sandbox.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const [command, subject, extra] = args.positionals;
  if (command === undefined || (args.flags.has('help') && command !== 'plugin')) {
    print(USAGE);
    return command === undefined && !args.flags.has('help') ? 1 : 0;
  }
  const withCore = (words: string[]) => [...words, '--core-plugin', CORE_PLUGIN_DIR];
  switch (command) {
    case 'serve':
      return serve();
    case 'validate':
      return runEngineCommand(withCore([...argv]));
    case 'run':
    case 'chat':
      return runEngineCommand(withCore(['chat', ...argv.slice(1)]));
    case 'import':
      if (subject === undefined) break;
      return importFlow(subject, remoteOptions(args.options, process.env), args.options.has('replace'), print);
    case 'export':
      if (subject === undefined) break;
      return exportFlow(subject, remoteOptions(args.options, process.env), args.options.get('out')?.[0], print);
    case 'test': {
      if (subject === undefined || extra === undefined) break;
      const plugins = await Promise.all((args.options.get('plugin') ?? []).map((dir) => loadPluginDir(dir, false)));
      const report = await runConversationTests({
        flowFile: subject,
        conversationsFile: extra,
        plugins,
        onProgress: (event) => {
          if (event.type === 'turn.finished' && !args.flags.has('json')) process.stderr.write(event.passed ? '.' : 'F');
        },
      });
      if (!args.flags.has('json')) process.stderr.write('\n');
      print(args.flags.has('json') ? formatReportJson(report) : formatReport(report));
      return report.passed ? 0 : 1;
    }
    case 'plugin':
      if (subject === 'test' && extra !== undefined) return pluginTest(extra, args.options.get('entry')?.[0]);
      return runEngineCommand(argv);
    default:
      break;
  }
  console.error(`unknown or incomplete command: ${argv.join(' ')}\n\n${USAGE}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConversationTestError) {
      // Broken input (not a failing conversation): nothing ran.
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof NexusError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
