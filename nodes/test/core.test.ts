import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedPlugin } from '@nexusflow/engine';
import { runNode } from '@nexusflow/engine/testing';
import { loadCorePlugin } from '../src/index.js';

let core: LoadedPlugin;
beforeAll(async () => {
  core = await loadCorePlugin();
});

describe('core/reply', () => {
  it('sends the rendered text, buttons and media to the channel', async () => {
    const sent: unknown[] = [];
    const result = await runNode({
      plugin: core,
      type: 'core/reply',
      config: { text: 'Hello {{ vars.name }}', buttons: [{ title: 'Yes' }], media: { url: 'https://example.com/a.png', type: 'image' } },
      vars: { name: 'Ada' },
      capabilities: { channel: { send: (message: unknown) => void sent.push(message) } },
    });
    const message = { text: 'Hello Ada', buttons: [{ title: 'Yes' }], media: { url: 'https://example.com/a.png', type: 'image' } };
    expect(sent).toEqual([message]);
    expect(result).toEqual({ port: 'out', output: message });
  });

  it('needs text or media', async () => {
    await expect(runNode({ plugin: core, type: 'core/reply', config: {} })).rejects.toMatchObject({ code: 'flow_invalid' });
  });
});

describe('core/set', () => {
  it('sets variables, keeping the type of a value that is one template', async () => {
    const result = await runNode({
      plugin: core,
      type: 'core/set',
      config: { vars: { count: '{{ vars.count + 1 }}', greeting: 'Hi {{ message.text }}', fixed: true } },
      vars: { count: 1 },
      message: { text: 'there' },
    });
    expect(result.vars).toEqual({ count: 2, greeting: 'Hi there', fixed: true });
  });
});
