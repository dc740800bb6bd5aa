import { defineNode } from '@nexusflow/engine/sdk';

/** Per-contact counter in the plugin's kv namespace (scoped to plugin and workspace by the host). */
export const visitCounter = defineNode<{ counter?: string }, 'first' | 'returning', 'kv'>({
  async run({ config, contact }, ctx) {
    const key = `${config.counter ?? 'visits'}:${contact.id}`;
    const previous = await ctx.kv.get(key);
    const visits = (typeof previous === 'number' ? previous : 0) + 1;
    await ctx.kv.set(key, visits);
    return { port: visits === 1 ? 'first' : 'returning', output: { visits }, vars: { visits } };
  },
});
