import { beforeAll, describe, expect, it } from 'vitest';
import { loadPluginFromSource, type LoadedPlugin } from '@nexusflow/engine';
import { runNode } from '@nexusflow/engine/testing';
import { scoreText } from '../src/sentiment.js';

let acme: LoadedPlugin;
beforeAll(async () => {
  acme = await loadPluginFromSource(new URL('..', import.meta.url).pathname);
});

describe('acme/sentiment', () => {
  it('takes the positive port when positive words outnumber negative ones', async () => {
    const result = await runNode({ plugin: acme, type: 'acme/sentiment', message: { text: 'Great service, thanks!' } });
    expect(result).toEqual({ port: 'positive', output: { score: 2, positive: ['great', 'thanks'], negative: [] }, vars: { mood: 'positive' } });
  });

  it('scores the configured text instead of the message, with extra words', async () => {
    const result = await runNode({
      plugin: acme,
      type: 'acme/sentiment',
      config: { text: '{{ vars.review }}', extraNegative: ['meh'] },
      vars: { review: 'meh, bad' },
    });
    expect(result.port).toBe('negative');
  });

  it('takes the neutral port when nothing matches', async () => {
    expect((await runNode({ plugin: acme, type: 'acme/sentiment', message: { text: 'it is tuesday' } })).port).toBe('neutral');
  });

  it('refuses a config that does not match its schema', async () => {
    await expect(runNode({ plugin: acme, type: 'acme/sentiment', config: { extraPositive: 'yay' } })).rejects.toMatchObject({
      code: 'flow_invalid',
    });
  });

  it('is plain code that can also be unit-tested outside the sandbox', () => {
    expect(scoreText('good good bad', ['good'], ['bad']).score).toBe(1);
  });
});

describe('acme/visit-counter', () => {
  it('counts visits per contact in kv and leaves through first, then returning', async () => {
    const kv = new Map<string, unknown>();
    const capabilities = { kv: { get: (k: unknown) => kv.get(String(k)) ?? null, set: (k: unknown, v: unknown) => void kv.set(String(k), v) } };
    const first = await runNode({ plugin: acme, type: 'acme/visit-counter', contact: { id: 'c1' }, capabilities });
    const second = await runNode({ plugin: acme, type: 'acme/visit-counter', contact: { id: 'c1' }, capabilities });
    expect([first.port, second.port]).toEqual(['first', 'returning']);
    expect(second.vars).toEqual({ visits: 2 });
    expect(kv.get('visits:c1')).toBe(2);
  });

  it('fails with a clear error when kv is not available', async () => {
    await expect(runNode({ plugin: acme, type: 'acme/visit-counter' })).rejects.toMatchObject({ code: 'capability_failed' });
  });
});
