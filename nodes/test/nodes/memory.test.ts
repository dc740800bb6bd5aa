import { beforeAll, describe, expect, it } from 'vitest';
import type { LlmMessage, LoadedPlugin } from '@nexusflow/engine';
import { runNode } from '@nexusflow/engine/testing';
import { countTokens } from 'gpt-tokenizer';
import { loadCorePlugin } from '../../src/index.js';
import { createMemoryCapability, createMemoryHistoryStore, truncateHistory } from '../../src/providers/memory/index.js';
import { stepContext } from './context.js';

let core: LoadedPlugin;
beforeAll(async () => {
  core = await loadCorePlugin();
});

const conversation: LlmMessage[] = [
  { role: 'system', content: 'You are a helpful assistant for Acme support.' },
  { role: 'user', content: 'Hello, my order never arrived and I would like a refund please.' },
  { role: 'assistant', content: 'Sorry to hear that! Could you tell me the order number?' },
  { role: 'user', content: 'It is 12345.' },
  { role: 'assistant', content: 'Thanks, I found order 12345 and started the refund.' },
];
const cost = (m: LlmMessage) => countTokens(m.content);

describe('core/memory node (isolate, fake capabilities)', () => {
  it('load outputs { messages, tokens } and passes maxTokens', async () => {
    const asked: unknown[] = [];
    const result = await runNode({
      plugin: core,
      type: 'core/memory',
      config: { action: 'load', maxTokens: 100 },
      capabilities: {
        memory: {
          history: (options: unknown) => {
            asked.push(options);
            return { messages: conversation.slice(0, 2), tokens: 21 };
          },
        },
      },
    });
    expect(asked).toEqual([{ maxTokens: 100, withTokens: true }]);
    expect(result).toEqual({ port: 'out', output: { messages: conversation.slice(0, 2), tokens: 21 } });
  });

  it('append stores the inbound message as user by default, or the configured text and role', async () => {
    const appended: unknown[] = [];
    const memory = { append: (messages: unknown) => void appended.push(messages) };
    const first = await runNode({ plugin: core, type: 'core/memory', config: { action: 'append' }, message: { text: 'hi there' }, capabilities: { memory } });
    const second = await runNode({
      plugin: core,
      type: 'core/memory',
      config: { action: 'append', role: 'assistant', text: 'Reply: {{ vars.answer }}' },
      vars: { answer: '42' },
      capabilities: { memory },
    });
    expect(appended).toEqual([[{ role: 'user', content: 'hi there' }], [{ role: 'assistant', content: 'Reply: 42' }]]);
    expect(first.output).toEqual({ appended: 1 });
    expect(second.output).toEqual({ appended: 1 });
  });

  it('append without any text stores nothing and goes on', async () => {
    const result = await runNode({ plugin: core, type: 'core/memory', config: { action: 'append' }, capabilities: { memory: {} } });
    expect(result).toEqual({ port: 'out', output: { appended: 0 } });
  });

  it('clear calls memory.clear', async () => {
    let cleared = 0;
    const result = await runNode({ plugin: core, type: 'core/memory', config: { action: 'clear' }, capabilities: { memory: { clear: () => void (cleared += 1) } } });
    expect(cleared).toBe(1);
    expect(result.output).toEqual({ cleared: true });
  });

  it('rejects an unknown action at config validation', async () => {
    await expect(runNode({ plugin: core, type: 'core/memory', config: { action: 'drop' } })).rejects.toMatchObject({ code: 'flow_invalid' });
  });

  it('works end to end with the real provider behind the isolate', async () => {
    const store = createMemoryHistoryStore();
    const handler = createMemoryCapability({ history: store });
    const context = stepContext({ workspaceId: 'test-workspace', contact: { id: 'test-contact' } });
    await handler('append', [conversation], context);
    const result = await runNode({
      plugin: core,
      type: 'core/memory',
      config: { action: 'load', maxTokens: cost(conversation[0]!) + cost(conversation[4]!) },
      capabilities: { memory: { history: (options: unknown, ctx: unknown) => handler('history', [options], ctx as typeof context) } },
    });
    expect(result.output).toEqual({ messages: [conversation[0], conversation[4]], tokens: cost(conversation[0]!) + cost(conversation[4]!) });
  });
});

describe('truncateHistory', () => {
  const system = cost(conversation[0]!);
  const lastTwo = cost(conversation[3]!) + cost(conversation[4]!);

  it('returns everything, with the exact gpt-tokenizer total, when it fits', () => {
    const total = conversation.reduce((sum, m) => sum + cost(m), 0);
    expect(truncateHistory(conversation, total, countTokens)).toEqual({ messages: conversation, tokens: total });
    expect(truncateHistory(conversation, undefined, countTokens).tokens).toBe(total);
  });

  it('keeps system messages and the most recent turns that fit, exactly at the budget', () => {
    const result = truncateHistory(conversation, system + lastTwo, countTokens);
    expect(result).toEqual({ messages: [conversation[0], conversation[3], conversation[4]], tokens: system + lastTwo });
  });

  it('one token short of a turn drops that turn and everything older', () => {
    const result = truncateHistory(conversation, system + lastTwo - 1, countTokens);
    expect(result).toEqual({ messages: [conversation[0], conversation[4]], tokens: system + cost(conversation[4]!) });
  });

  it('does not skip a long turn to fit an older short one (no holes)', () => {
    const messages: LlmMessage[] = [
      { role: 'user', content: 'ok' },
      { role: 'assistant', content: 'A much longer answer that will not fit in the remaining budget at all, by design.' },
      { role: 'user', content: 'thanks' },
    ];
    const result = truncateHistory(messages, cost(messages[2]!) + cost(messages[0]!), countTokens);
    expect(result.messages).toEqual([messages[2]]);
  });

  it('keeps system messages wherever they are, even over budget', () => {
    const messages: LlmMessage[] = [conversation[1]!, conversation[0]!, conversation[2]!];
    expect(truncateHistory(messages, 0, countTokens)).toEqual({ messages: [conversation[0]], tokens: system });
  });

  it('counts tokens, not characters', () => {
    // 40 repeated characters are far fewer than 10 tokens; chars/4 would say 10.
    const messages: LlmMessage[] = [{ role: 'user', content: 'a'.repeat(40) }];
    expect(countTokens('a'.repeat(40))).toBeLessThan(10);
    expect(truncateHistory(messages, countTokens('a'.repeat(40)), countTokens).messages).toHaveLength(1);
  });
});

describe('createMemoryCapability', () => {
  it('scopes history by workspace and contact from the context', async () => {
    const memory = createMemoryCapability({ history: createMemoryHistoryStore() });
    await memory('append', [[{ role: 'user', content: 'alice in A' }]], stepContext());
    await memory('append', [[{ role: 'user', content: 'bob in A' }]], stepContext({ contact: { id: 'bob' } }));
    await memory('append', [[{ role: 'user', content: 'alice in B' }]], stepContext({ workspaceId: 'ws-b' }));
    expect(await memory('history', [], stepContext())).toEqual([{ role: 'user', content: 'alice in A' }]);
    expect(await memory('history', [{}], stepContext({ contact: { id: 'bob' } }))).toEqual([{ role: 'user', content: 'bob in A' }]);
    expect(await memory('history', [], stepContext({ workspaceId: 'ws-b' }))).toEqual([{ role: 'user', content: 'alice in B' }]);
  });

  it('history truncates with gpt-tokenizer and can report tokens', async () => {
    const memory = createMemoryCapability({ history: createMemoryHistoryStore() });
    await memory('append', [conversation], stepContext());
    const budget = cost(conversation[0]!) + cost(conversation[4]!);
    expect(await memory('history', [{ maxTokens: budget }], stepContext())).toEqual([conversation[0], conversation[4]]);
    expect(await memory('history', [{ maxTokens: budget, withTokens: true }], stepContext())).toEqual({
      messages: [conversation[0], conversation[4]],
      tokens: budget,
    });
  });

  it('uses a custom token counter when given', async () => {
    const memory = createMemoryCapability({ history: createMemoryHistoryStore(), countTokens: () => 1 });
    await memory('append', [conversation], stepContext());
    expect(await memory('history', [{ maxTokens: 3 }], stepContext())).toEqual([conversation[0], conversation[3], conversation[4]]);
  });

  it('append is idempotent per step: a re-run of the step (new context object, same key) adds nothing', async () => {
    const memory = createMemoryCapability({ history: createMemoryHistoryStore() });
    const attempt = () => stepContext();
    for (const context of [attempt(), attempt()]) {
      await memory('append', [[{ role: 'user', content: 'one' }]], context);
      await memory('append', [[{ role: 'assistant', content: 'two' }]], context);
    }
    await memory('append', [[{ role: 'user', content: 'three' }]], stepContext({ idempotencyKey: 'ws-a:alice/2/0/node', turn: 2 }));
    expect((await memory('history', [], stepContext())) as LlmMessage[]).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'three' },
    ]);
  });

  it('clear forgets only the caller history', async () => {
    const memory = createMemoryCapability({ history: createMemoryHistoryStore() });
    await memory('append', [[{ role: 'user', content: 'a' }]], stepContext());
    await memory('append', [[{ role: 'user', content: 'b' }]], stepContext({ contact: { id: 'bob' } }));
    await memory('clear', [], stepContext());
    expect(await memory('history', [], stepContext())).toEqual([]);
    expect(await memory('history', [], stepContext({ contact: { id: 'bob' } }))).toHaveLength(1);
  });

  it('refuses malformed arguments with clear messages', async () => {
    const memory = createMemoryCapability({ history: createMemoryHistoryStore() });
    await expect(memory('append', [[{ role: 'tool', content: 'x' }]], stepContext())).rejects.toThrow(/role "system", "user" or "assistant"/);
    await expect(memory('append', ['hi'], stepContext())).rejects.toThrow(/array of at most/);
    await expect(memory('history', [{ maxTokens: -1 }], stepContext())).rejects.toThrow(/maxTokens must be an integer/);
    await expect(memory('forget', [], stepContext())).rejects.toThrow(/memory has no method forget/);
  });

  it('the store returns copies', async () => {
    const store = createMemoryHistoryStore();
    const messages: LlmMessage[] = [{ role: 'user', content: 'x' }];
    await store.append('w', 'c', messages, 'k');
    messages[0]!.content = 'changed';
    (await store.load('w', 'c'))[0]!.content = 'changed too';
    expect(await store.load('w', 'c')).toEqual([{ role: 'user', content: 'x' }]);
  });
});
