/** The engine's terminal commands, for the `nexusflow` CLI of the server package to build on. */
export { runEngineCommand, ENGINE_USAGE } from './commands.js';
export { chat, readFlowFile, formatIssues } from './chat.js';
export type { ChatOptions } from './chat.js';
export { loadPluginDir } from './load-plugins.js';
export { parseArgs } from './args.js';
export type { ParsedArgs } from './args.js';
