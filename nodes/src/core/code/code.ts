import { defineNode, type NodeResult } from '@nexusflow/engine/sdk';
import { compileUserCode } from './compile-user-code.js';

export interface CodeConfig {
  /** Body of an async function; never templated (`x-raw-keys`), so `{{ }}` in it is plain text. */
  code: string;
  /** Any value, usually a template such as `{{ nodes.fetch.output.json }}`; `input` in the code. */
  input?: unknown;
}

export type CodePort = 'out' | 'alt';

const PORTS: ReadonlySet<string> = new Set(['out', 'alt']);
const RESULT_KEYS: ReadonlySet<string> = new Set(['port', 'output', 'vars']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ port?, output?, vars? }` is a result; any other value (including `{}`) is the output itself. */
function isResultShape(value: unknown): value is { port?: unknown; output?: unknown; vars?: unknown } {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => RESULT_KEYS.has(key));
}

function toResult(value: unknown): NodeResult<CodePort> {
  if (value === undefined) return { port: 'out' };
  if (!isResultShape(value)) return { port: 'out', output: value };
  const port = value.port ?? 'out';
  if (typeof port !== 'string' || !PORTS.has(port)) {
    throw new Error(`core/code: the code returned port ${JSON.stringify(port)}; core/code has the ports "out" and "alt"`);
  }
  const result: NodeResult<CodePort> = { port: port as CodePort };
  if (value.output !== undefined) result.output = value.output;
  if (value.vars !== undefined) {
    if (!isPlainObject(value.vars)) throw new Error('core/code: vars must be an object such as { count: 1 }');
    result.vars = value.vars;
  }
  return result;
}

/**
 * Runs the user's JavaScript inside the plugin isolate, under the node's own limits, with no
 * capabilities. The code is the body of an async function with `input`, `vars`, `message` and
 * `contact` in scope; it returns `{ port?: 'out' | 'alt', output?, vars? }` or a plain value (the
 * output). Returning `{ port: 'alt' }` takes the second port. A thrown error or a syntax error leaves
 * through the error port with its message.
 */
export const code = defineNode<CodeConfig, CodePort>({
  async run({ config, vars, message, contact }) {
    const fn = compileUserCode(config.code);
    return toResult(await fn(config.input, vars, message, contact));
  },
});
