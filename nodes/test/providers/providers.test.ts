import { describe, expect, it } from 'vitest';
import type { CapabilityContext } from '@nexusflow/engine';
import { testCapabilityContext } from '@nexusflow/engine/testing';
import { createChannelCapability, createRecordingChannel } from '../../src/providers/channel/channel-capability.js';
import { composeCapabilities } from '../../src/providers/compose.js';
import { createKvCapability, createMemoryKvStore } from '../../src/providers/kv/kv-capability.js';
import { createMemorySecretStore, createSecretsCapability } from '../../src/providers/secrets/secrets-capability.js';

function context(workspaceId: string, plugin = 'acme', key = `${workspaceId}:c/1/1/n`): CapabilityContext {
  return testCapabilityContext({ workspaceId, sessionKey: `${workspaceId}:c`, nodeId: 'n', nodeType: `${plugin}/x`, plugin, step: 1, idempotencyKey: key });
}

describe('kv capability', () => {
  it('scopes keys by the caller workspace and plugin, whatever the key says (S-11)', async () => {
    const kv = createKvCapability(createMemoryKvStore());
    await kv('set', ['x', 'B secret'], context('B'));
    await kv('set', ['x', 'other plugin'], context('A', 'other'));
    expect(await kv('get', ['../B/x'], context('A'))).toBeNull();
    expect(await kv('get', ['B:x'], context('A'))).toBeNull();
    expect(await kv('get', ['x'], context('A'))).toBeNull();
    expect(await kv('get', ['x'], context('B'))).toBe('B secret');
    await kv('delete', ['x'], context('B'));
    expect(await kv('get', ['x'], context('B'))).toBeNull();
  });

  it('refuses a key that is not a string', async () => {
    const kv = createKvCapability(createMemoryKvStore());
    await expect(kv('get', [{ workspaceId: 'B' }], context('A'))).rejects.toMatchObject({ code: 'capability_failed' });
  });
});

describe('secrets capability', () => {
  it('answers only from the caller workspace, and the same way for missing and foreign names (S-11, S-16)', async () => {
    const secrets = createSecretsCapability(createMemorySecretStore({ A: { token: 'a-token' }, B: { token: 'b-token' } }));
    expect(await secrets('get', ['token'], context('A'))).toBe('a-token');
    expect(await secrets('get', ['missing'], context('A'))).toBeNull();
    expect(await secrets('get', ['constructor'], context('A'))).toBeNull();
  });
});

describe('channel capability', () => {
  it('delivers each send of a step once, also when the step runs again', async () => {
    const { port, delivered } = createRecordingChannel();
    const channel = createChannelCapability(port);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const ctx = context('A'); // a fresh context per attempt, as the runtime gives
      await channel('send', [{ text: 'first' }], ctx);
      await channel('send', [{ text: 'second' }], ctx);
    }
    expect(delivered.map((d) => [d.key, d.message.text])).toEqual([
      ['A:c/1/1/n/send/0', 'first'],
      ['A:c/1/1/n/send/1', 'second'],
    ]);
  });

  it('refuses a message without text or media', async () => {
    const channel = createChannelCapability(createRecordingChannel().port);
    await expect(channel('send', [{}], context('A'))).rejects.toThrow('needs text or media');
  });
});

describe('composeCapabilities', () => {
  it('routes http:<host> calls to the http handler and names a capability that has none', async () => {
    const seen: string[] = [];
    const provider = composeCapabilities({ http: async (method) => void seen.push(method) });
    await provider.invoke({ capability: 'http:api.example.com', method: 'fetch', args: [] }, context('A'));
    expect(seen).toEqual(['fetch']);
    await expect(provider.invoke({ capability: 'llm', method: 'chat', args: [] }, context('A'))).rejects.toThrow(
      'llm is not available here; the server has no provider for it configured',
    );
  });
});
