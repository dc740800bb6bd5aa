import { flow, inlinePlugin } from '../fixtures/plugins.js';

/** A turn that sends a message, then waits on kv: the moment a crash test stops the runtime. */
export const crashPlugin = inlinePlugin('crash', {
  work: {
    capabilities: ['channel', 'kv'],
    limits: { timeoutMs: 60_000 },
    run: `async (input, ctx) => { await ctx.channel.send({ text: 'working on ' + input.message.text }); await ctx.kv.get('block'); return { port: 'out', output: { done: true } }; }`,
  },
  say: {
    capabilities: ['channel'],
    config: { type: 'object', properties: { text: { type: 'string' } } },
    run: `async (input, ctx) => { await ctx.channel.send({ text: input.config.text }); return { port: 'out' }; }`,
  },
});

export const crashFlow = flow(
  [
    ['trigger', 'core/trigger'],
    ['work', 'crash/work'],
    ['done', 'crash/say', { text: 'done' }],
    ['failed', 'crash/say', { text: 'failed: {{ nodes.work.output.error.code }}' }],
  ],
  ['trigger.out->work', 'work.out->done', 'work.error->failed'],
);
