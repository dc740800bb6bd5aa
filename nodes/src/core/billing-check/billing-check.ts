import { defineNode } from '@nexusflow/engine/sdk';

export interface BillingCheckConfig {
  /** Leaves through `ok` when at least this many credits are available. */
  minCredits?: number;
  /** Or: enough for one call of this model with `maxTokens` of output (the worst case it would hold). */
  provider?: string;
  model?: string;
  maxTokens?: number;
}

/** Routes on the workspace's credits: `ok` when the balance covers the need, else `insufficient`. */
export const billingCheck = defineNode<BillingCheckConfig, 'ok' | 'insufficient', 'billing'>({
  async run({ config, message }, ctx) {
    let needed = config.minCredits ?? 0;
    if (config.model !== undefined) {
      const text = typeof message?.text === 'string' ? message.text : '';
      const estimate = await ctx.billing.estimate({
        provider: config.provider ?? 'openai',
        model: config.model,
        maxTokens: config.maxTokens ?? 1024,
        ...(text === '' ? {} : { messages: [{ role: 'user' as const, content: text }] }),
      });
      needed = Math.max(needed, estimate);
    }
    const available = await ctx.billing.balance();
    const ok = available >= needed;
    return { port: ok ? 'ok' : 'insufficient', output: { available, needed } };
  },
});
