import type { LlmMessage } from '@nexusflow/engine';
import { countTokens as countText } from 'gpt-tokenizer/encoding/o200k_base';

/**
 * Tokens a chat format adds around each message (role and delimiters). OpenAI's published
 * counting recipe uses 3 for the gpt-4o family; 4 keeps a margin for models that wrap more.
 */
export const PER_MESSAGE_OVERHEAD = 4;
/** Tokens that prime the reply (`<|start|>assistant<|message|>`). */
export const REPLY_PRIMING = 3;

/** Special-token text in user content is counted as plain text, never refused or interpreted. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Estimated input tokens of a chat request, for the hold: o200k_base tokens of each message's
 * content, plus PER_MESSAGE_OVERHEAD per message, plus REPLY_PRIMING once (0 for no messages).
 * Exact for OpenAI's o200k models up to the overhead; for other providers an estimate (Anthropic
 * tokenizes differently), which is why settlement always uses the provider's reported usage.
 */
export function countTokens(messages: readonly LlmMessage[]): number {
  if (messages.length === 0) return 0;
  let total = REPLY_PRIMING;
  for (const message of messages) total += countText(message.content, PLAIN_TEXT) + PER_MESSAGE_OVERHEAD;
  return total;
}
