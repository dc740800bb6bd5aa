import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNode } from '../testing/index.js';
import { loadPluginFromSource } from './build-plugin.js';
import { scaffoldPlugin } from './scaffold-plugin.js';

describe('scaffoldPlugin', () => {
  it('writes a plugin that loads, builds and runs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nexus-scaffold-'));
    try {
      await scaffoldPlugin(dir, 'weather');
      const plugin = await loadPluginFromSource(dir);
      const sent: unknown[] = [];
      const result = await runNode({
        plugin,
        type: 'weather/greet',
        config: { greeting: 'Hello' },
        message: { text: 'Ada' },
        capabilities: { channel: { send: (m: unknown) => void sent.push(m) } },
      });
      expect(sent).toEqual([{ text: 'Hello, Ada!' }]);
      expect(result.port).toBe('out');
      await expect(scaffoldPlugin(dir, 'weather')).rejects.toThrow('is not empty');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses names the manifest would refuse', async () => {
    await expect(scaffoldPlugin('/tmp/unused', 'Core Plugin')).rejects.toThrow('must match');
    await expect(scaffoldPlugin('/tmp/unused', 'core')).rejects.toThrow('not be "core"');
  });
});
