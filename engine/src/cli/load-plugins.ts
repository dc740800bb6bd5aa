import { access } from 'node:fs/promises';
import path from 'node:path';
import { loadPluginFromSource } from '../plugins/build-plugin.js';
import { loadPluginFolder, pluginError } from '../plugins/load-plugin.js';
import type { LoadedPlugin } from '../plugins/types.js';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Loads a plugin folder: its built bundle when there is one, else its sources bundled in memory
 * (`src/plugin.ts` or `src/index.ts`), so a fresh checkout works without a build step.
 */
export async function loadPluginDir(dir: string, trusted: boolean): Promise<LoadedPlugin> {
  const options = { allowCorePlugin: trusted };
  const loaded = await loadPluginFolder(dir, options);
  if (loaded.ok) return loaded.value;
  const missingBundle = loaded.issues.every((i) => i.pointer === '/main');
  for (const entry of ['src/plugin.ts', 'src/index.ts']) {
    if (missingBundle && (await exists(path.join(dir, entry)))) return loadPluginFromSource(dir, { ...options, entry });
  }
  throw pluginError(dir, loaded.issues);
}
