import { defineNode, type LlmMessage, type NodeContext } from '@nexusflow/engine/sdk';

export interface MemoryConfig {
  action: 'load' | 'append' | 'clear';
  /** load: token budget of the history returned (system messages always kept). */
  maxTokens?: number;
  /** append: role of the appended message; `user` by default. */
  role?: LlmMessage['role'];
  /** append: text to store; the current message's text by default. */
  text?: string;
}

/**
 * Loads, extends or clears the contact's conversation history.
 *
 * - `load` → output `{ messages, tokens }`, ready for `core/llm`'s messages.
 * - `append` → stores `text` (or the inbound message's text) under `role`; output `{ appended }`.
 * - `clear` → forgets the history; output `{ cleared: true }`.
 */
export const memory = defineNode<MemoryConfig, 'out', 'memory'>({
  async run({ config, message }, ctx: NodeContext<'memory'>) {
    switch (config.action) {
      case 'load': {
        const options: { maxTokens?: number; withTokens: true } = { withTokens: true };
        if (config.maxTokens !== undefined) options.maxTokens = config.maxTokens;
        const { messages, tokens } = await ctx.memory.history(options);
        return { port: 'out', output: { messages, tokens } };
      }
      case 'append': {
        const content = config.text ?? message?.text;
        // Nothing to store (a button press without text, say) is not an error: the flow goes on.
        if (content === undefined || content === '') return { port: 'out', output: { appended: 0 } };
        await ctx.memory.append([{ role: config.role ?? 'user', content }]);
        return { port: 'out', output: { appended: 1 } };
      }
      case 'clear':
        await ctx.memory.clear();
        return { port: 'out', output: { cleared: true } };
      default:
        throw new Error(`core/memory: unknown action ${String(config.action as unknown)}; use load, append or clear`);
    }
  },
});
