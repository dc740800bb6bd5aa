import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxPool, loadPluginFromSource, type FlowDocument, type LoadedPlugin } from '@nexusflow/engine';
import { createTestSession } from '@nexusflow/engine/testing';
import { loadCorePlugin } from '@nexusflow/nodes';

const sandbox = createSandboxPool({ size: 1 });
let plugins: LoadedPlugin[] = [];

beforeAll(async () => {
  plugins = [await loadCorePlugin(), await loadPluginFromSource(new URL('../plugins/acme', import.meta.url).pathname)];
});
afterAll(() => sandbox.close());

async function example(name: string): Promise<FlowDocument> {
  return JSON.parse(await readFile(new URL(`../flows/${name}.json`, import.meta.url), 'utf8')) as FlowDocument;
}

describe('examples/flows', () => {
  it('echo bot repeats every message', async () => {
    const s = createTestSession(await example('echo'), { plugins, sandbox });
    expect((await s.send('hello there')).texts).toEqual(['You said: hello there']);
    expect((await s.send('and again')).texts).toEqual(['You said: and again']);
  });

  it('FAQ bot branches on the message and offers a menu otherwise', async () => {
    const s = createTestSession(await example('faq'), { plugins, sandbox });
    expect((await s.send('How much does it cost?')).texts).toEqual([
      "Acme Robotics plans start at $19 a month. Reply 'human' to talk to sales.",
    ]);
    expect((await s.send('When are you open?')).texts).toEqual(['We are open Monday to Friday, 9:00 to 17:00.']);
    expect((await s.send('I want a human')).texts).toEqual(['Connecting you with a person at Acme Robotics. Someone will answer shortly.']);
    const menu = await s.send('What is the meaning of life?');
    expect(menu.replies).toEqual([
      {
        text: 'I can help with pricing, opening hours, or a human. What would you like?',
        buttons: [
          { title: 'Pricing', payload: 'pricing' },
          { title: 'Opening hours', payload: 'hours' },
          { title: 'A human', payload: 'human' },
        ],
      },
    ]);
  });

  it('lead capture asks for name and email, re-asks on an invalid email and keeps both in vars', async () => {
    const s = createTestSession(await example('lead-capture'), { plugins, sandbox });
    expect((await s.send('hi')).texts).toEqual(["Hi! What's your name?"]);
    expect((await s.send('  Ada Lovelace ')).texts).toEqual(["Thanks, Ada Lovelace! What's your email address?"]);
    const wrong = await s.send('ada at example dot com');
    expect(wrong.texts).toEqual(['"ada at example dot com" doesn\'t look like an email address. Could you check it and send it again?']);
    expect(wrong.result).toMatchObject({ status: 'parked', parkedAt: 'waitEmail' });
    const right = await s.send('Ada@Example.com');
    expect(right.texts).toEqual(["Got it, Ada Lovelace. We'll write to ada@example.com soon."]);
    expect(right.result.status).toBe('ended');
    const record = await s.store.load('test-workspace:alice');
    expect(record?.context.vars).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    // Another contact has a conversation of their own.
    expect((await s.send('hello', 'bob')).texts).toEqual(["Hi! What's your name?"]);
  });

  it('mood bot uses the acme plugin: a visit counter in kv, then sentiment ports', async () => {
    const kv = new Map<string, unknown>();
    const s = createTestSession(await example('mood'), {
      plugins,
      sandbox,
      capabilities: { kv: { get: (key: unknown) => kv.get(String(key)) ?? null, set: (key: unknown, value: unknown) => void kv.set(String(key), value) } },
    });
    expect((await s.send('hello')).texts).toEqual(['Welcome! Tell me how your day is going.']);
    expect((await s.send('great, thanks!')).texts).toEqual(['Glad to hear it! (visit 2)']);
    expect((await s.send('terrible and slow')).texts).toEqual(['Sorry about that. Want me to get a human?']);
    expect((await s.send('it is tuesday')).texts).toEqual(['I see. Anything else on your mind?']);
    expect(kv.get('mood-visits:alice')).toBe(4);
  });
});
