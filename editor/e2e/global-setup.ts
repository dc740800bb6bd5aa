import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** Builds the editor once into editor/dist, which the server serves at `/`. */
export default async function setup(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  await build({ root, configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}
