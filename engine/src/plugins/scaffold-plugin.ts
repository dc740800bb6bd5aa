import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NexusError } from '../errors.js';

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

function files(name: string): Record<string, string> {
  const manifest = {
    name,
    version: '0.1.0',
    description: `The ${name} plugin`,
    main: `dist/${name}.js`,
    nodes: [
      {
        type: `${name}/greet`,
        title: 'Greet',
        description: 'Greets the contact by name and remembers it in vars.',
        category: 'messaging',
        ports: ['out'],
        capabilities: ['channel'],
        limits: { timeoutMs: 2000, memoryMb: 16 },
        config: {
          type: 'object',
          additionalProperties: false,
          required: ['greeting'],
          properties: { greeting: { type: 'string', title: 'Greeting', default: 'Hello', maxLength: 200 } },
        },
      },
    ],
  };
  return {
    'plugin.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'src/index.ts': `import { definePlugin, defineNode } from '@nexusflow/engine/sdk';

const greet = defineNode<{ greeting: string }, 'out', 'channel'>({
  async run({ config, message }, ctx) {
    const name = message?.text?.trim() || 'there';
    await ctx.channel.send({ text: \`\${config.greeting}, \${name}!\` });
    return { port: 'out', vars: { greeted: name } };
  },
});

export default definePlugin({ nodes: { '${name}/greet': greet } });
`,
    'test/greet.test.ts': `import { describe, expect, it } from 'vitest';
import { loadPluginFromSource } from '@nexusflow/engine';
import { runNode } from '@nexusflow/engine/testing';

describe('${name}/greet', () => {
  it('greets the contact with the configured greeting', async () => {
    const plugin = await loadPluginFromSource(new URL('..', import.meta.url).pathname);
    const sent: unknown[] = [];
    const result = await runNode({
      plugin,
      type: '${name}/greet',
      config: { greeting: 'Hi' },
      message: { text: 'Ada' },
      capabilities: { channel: { send: (m: unknown) => void sent.push(m) } },
    });
    expect(sent).toEqual([{ text: 'Hi, Ada!' }]);
    expect(result).toEqual({ port: 'out', vars: { greeted: 'Ada' } });
  });
});
`,
    'README.md': `# ${name}\n\nA Nexus Flow plugin. Build it with \`nexusflow plugin build .\`; test it with vitest (forks pool, \`--no-node-snapshot\`).\n`,
  };
}

/**
 * Writes a new plugin folder with a manifest, one node, its test and a README, into an empty or
 * missing folder.
 *
 * @example
 * await scaffoldPlugin('plugins/weather', 'weather');
 */
export async function scaffoldPlugin(dir: string, name: string): Promise<string[]> {
  if (!NAME_PATTERN.test(name) || name === 'core') {
    throw new NexusError('plugin_invalid', `plugin name "${name}" must match ${NAME_PATTERN.source} and not be "core"`);
  }
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0) throw new NexusError('plugin_invalid', `${dir} is not empty; pick a new folder`);
  const written: string[] = [];
  for (const [file, content] of Object.entries(files(name))) {
    const target = path.join(dir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    written.push(target);
  }
  return written;
}
