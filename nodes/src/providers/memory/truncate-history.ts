import type { LlmMessage } from '@nexusflow/engine';

/** Counts the tokens of one message's text. */
export type CountTokens = (text: string) => number;

/** Messages kept within a budget, and the tokens they use. */
export interface TruncatedHistory {
  messages: LlmMessage[];
  tokens: number;
}

/**
 * Keeps every system message and the longest run of most recent other messages that fits in
 * `maxTokens`, in their original order. A message's cost is the token count of its `content`.
 * System messages are kept even when they alone exceed the budget: they carry the agent's
 * instructions, and dropping them silently would change its behaviour more than a long prompt.
 * The kept turns are a contiguous suffix: skipping an old long turn to squeeze in an older short one
 * would show the model a conversation with a hole in it.
 */
export function truncateHistory(messages: readonly LlmMessage[], maxTokens: number | undefined, countTokens: CountTokens): TruncatedHistory {
  const costs = messages.map((message) => countTokens(message.content));
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  if (maxTokens === undefined || total <= maxTokens) return { messages: [...messages], tokens: total };

  let used = 0;
  messages.forEach((message, index) => {
    if (message.role === 'system') used += costs[index] ?? 0;
  });
  const keep = new Set<number>();
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    if (messages[index]?.role === 'system') continue;
    const cost = costs[index] ?? 0;
    if (used + cost > maxTokens) break;
    used += cost;
    keep.add(index);
  }
  const kept = messages.filter((message, index) => message.role === 'system' || keep.has(index));
  return { messages: kept, tokens: used };
}
