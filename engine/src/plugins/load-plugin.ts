import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { validatePluginManifest, type ValidationIssue, type Validated } from '@nexusflow/schemas';
import { NexusError } from '../errors.js';
import type { LoadedPlugin } from './types.js';

export interface LoadPluginOptions {
  /** Only the built-in plugin may use the reserved `core` namespace. */
  allowCorePlugin?: boolean;
  /** Largest bundle accepted, in bytes (default 5 MiB). */
  maxCodeBytes?: number;
}

const DEFAULT_MAX_CODE_BYTES = 5 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 1024 * 1024;

function issue(code: string, pointer: string, message: string): Validated<never> {
  return { ok: false, issues: [{ code, pointer, message }] };
}

/**
 * Checks a manifest and its bundle and returns the plugin ready for the registry.
 *
 * @example
 * const result = createPlugin({ manifest, code: bundleText });
 * if (!result.ok) console.error(result.issues);
 */
export function createPlugin(
  source: { manifest: unknown; code: string; dir?: string },
  options: LoadPluginOptions = {},
): Validated<LoadedPlugin> {
  const checked = validatePluginManifest(source.manifest, { allowCorePlugin: options.allowCorePlugin === true });
  if (!checked.ok) return checked;
  const maxBytes = options.maxCodeBytes ?? DEFAULT_MAX_CODE_BYTES;
  if (Buffer.byteLength(source.code) > maxBytes) {
    return issue('plugin_too_large', '/main', `the bundle is larger than ${maxBytes} bytes; bundle and minify it`);
  }
  const manifest = checked.value;
  const codeHash = createHash('sha256').update(source.code).digest('hex');
  const plugin: LoadedPlugin = { manifest, code: { pluginName: manifest.name, codeHash, code: source.code } };
  if (source.dir !== undefined) plugin.dir = source.dir;
  return { ok: true, value: plugin };
}

/** Reads `plugin.json` and its bundle from a folder; the bundle must stay inside the folder. */
export async function loadPluginFolder(dir: string, options: LoadPluginOptions = {}): Promise<Validated<LoadedPlugin>> {
  const root = await realpath(dir).catch(() => undefined);
  if (root === undefined) return issue('plugin_not_found', '', `plugin folder ${dir} does not exist`);
  const manifestPath = path.join(root, 'plugin.json');
  const manifestText = await readBounded(manifestPath, MAX_MANIFEST_BYTES);
  if (typeof manifestText !== 'string') return issue(manifestText.code, '', manifestText.message);
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (error) {
    return issue('plugin_invalid', '', `${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  const main = (manifest as { main?: unknown } | null)?.main;
  if (typeof main !== 'string') return createPlugin({ manifest, code: '', dir: root }, options);
  const mainPath = await realpath(path.resolve(root, main)).catch(() => undefined);
  if (mainPath === undefined) {
    return issue('plugin_invalid', '/main', `bundle ${main} not found in ${root}; build the plugin first (nexusflow plugin build)`);
  }
  if (!mainPath.startsWith(root + path.sep)) {
    return issue('plugin_invalid', '/main', `bundle ${main} resolves outside the plugin folder; it must be a file inside it`);
  }
  const code = await readBounded(mainPath, options.maxCodeBytes ?? DEFAULT_MAX_CODE_BYTES);
  if (typeof code !== 'string') return issue(code.code, '/main', code.message);
  return createPlugin({ manifest, code, dir: root }, options);
}

async function readBounded(file: string, maxBytes: number): Promise<string | { code: string; message: string }> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) return { code: 'plugin_not_found', message: `${file} not found` };
  if (info.size > maxBytes) return { code: 'plugin_too_large', message: `${file} is larger than ${maxBytes} bytes` };
  return readFile(file, 'utf8');
}

/** Formats load issues into one error, for callers that cannot go on without the plugin. */
export function pluginError(where: string, issues: ValidationIssue[]): NexusError {
  const lines = issues.map((i) => `  ${i.pointer || '/'}: ${i.message}`).join('\n');
  return new NexusError('plugin_invalid', `plugin ${where} cannot be loaded:\n${lines}`);
}
