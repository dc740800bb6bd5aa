import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPluginFolder, loadPluginFromSource, pluginError, type LoadedPlugin } from '@nexusflow/engine';

/** The folder holding the core plugin's `plugin.json`. */
export const CORE_PLUGIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Loads the built-in `core` plugin. A built package reads its bundle; from sources (tests,
 * development) it is bundled in memory, so it is never stale.
 */
export async function loadCorePlugin(): Promise<LoadedPlugin> {
  const bundle = path.join(CORE_PLUGIN_DIR, 'dist', 'core-plugin.js');
  const built = await access(bundle).then(
    () => true,
    () => false,
  );
  if (import.meta.url.endsWith('.ts') || !built) {
    return loadPluginFromSource(CORE_PLUGIN_DIR, { entry: 'src/plugin.ts', allowCorePlugin: true });
  }
  const result = await loadPluginFolder(CORE_PLUGIN_DIR, { allowCorePlugin: true });
  if (!result.ok) throw pluginError('core', result.issues);
  return result.value;
}
