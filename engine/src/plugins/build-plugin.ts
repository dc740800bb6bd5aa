import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NexusError } from '../errors.js';
import { createPlugin, pluginError, type LoadPluginOptions } from './load-plugin.js';
import type { LoadedPlugin } from './types.js';

export interface BuildPluginOptions {
  /** Entry file, relative to the plugin folder (default `src/index.ts`). */
  entry?: string;
  /** Write the bundle to the manifest's `main` (default true); otherwise only return it. */
  write?: boolean;
}

export interface BuiltPlugin {
  /** Absolute path of the bundle the manifest's `main` names. */
  outfile: string;
  code: string;
  manifest: unknown;
}

const BANNER = '// Bundled by `nexusflow plugin build`; edit the sources, not this file.';

/** The SDK of the engine doing the build: a plugin folder needs no install of its own to build. */
const SDK_ENTRY = fileURLToPath(new URL(`../sdk/index${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * Bundles a plugin folder's entry into the single CommonJS file its `plugin.json` names as `main`.
 * The bundle has no imports left: isolates have no `require`.
 *
 * @example
 * const { outfile } = await buildPlugin('examples/plugins/acme');
 */
export async function buildPlugin(dir: string, options: BuildPluginOptions = {}): Promise<BuiltPlugin> {
  const root = path.resolve(dir);
  const manifestPath = path.join(root, 'plugin.json');
  let manifest: { main?: unknown };
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { main?: unknown };
  } catch (error) {
    throw new NexusError('plugin_invalid', `cannot read ${manifestPath}: ${(error as Error).message}`);
  }
  if (typeof manifest.main !== 'string') {
    throw new NexusError('plugin_invalid', `${manifestPath} has no "main"; name the bundle file, e.g. "dist/index.js"`);
  }
  const outfile = path.resolve(root, manifest.main);
  const result = await build({
    entryPoints: [path.resolve(root, options.entry ?? 'src/index.ts')],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['source'],
    alias: { '@nexusflow/engine/sdk': SDK_ENTRY },
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    logLevel: 'silent',
    outfile,
  }).catch((error: Error) => {
    throw new NexusError('plugin_invalid', `building ${root} failed: ${error.message}`);
  });
  const code = result.outputFiles[0]?.text ?? '';
  if (options.write !== false) {
    await mkdir(path.dirname(outfile), { recursive: true });
    await writeFile(outfile, code);
  }
  return { outfile, code, manifest };
}

/**
 * Bundles a plugin folder in memory and checks it, without writing anything: for tests and
 * development, where a bundle on disk could be stale.
 *
 * @example
 * const acme = await loadPluginFromSource('examples/plugins/acme');
 */
export async function loadPluginFromSource(
  dir: string,
  options: BuildPluginOptions & LoadPluginOptions = {},
): Promise<LoadedPlugin> {
  const { manifest, code } = await buildPlugin(dir, { ...options, write: false });
  const result = createPlugin({ manifest, code, dir: path.resolve(dir) }, options);
  if (!result.ok) throw pluginError(dir, result.issues);
  return result.value;
}
