import { NexusError, type HistoryStore, type LlmMessage } from '@nexusflow/engine';
import { countTokens as gptCountTokens } from 'gpt-tokenizer';
import { unknownMethod } from '../args.js';
import { callKey } from '../call-sequence.js';
import type { CapabilityHandler } from '../types.js';
import { truncateHistory, type CountTokens } from './truncate-history.js';

/** Most messages one `memory.append` may add. */
export const MAX_APPEND_MESSAGES = 50;
/** Longest content of one appended message, in characters. */
export const MAX_MESSAGE_CHARS = 100_000;
/** Largest `maxTokens` accepted: far above any model's context, it only catches nonsense. */
export const MAX_HISTORY_TOKENS = 2_000_000;

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

export interface MemoryCapabilityOptions {
  history: HistoryStore;
  /** Token counter; defaults to gpt-tokenizer's `countTokens` (o200k_base). */
  countTokens?: CountTokens;
}

function fail(message: string): NexusError {
  return new NexusError('capability_failed', message);
}

/** `{ maxTokens?, withTokens? }` of `memory.history`, checked. */
function historyOptions(value: unknown): { maxTokens: number | undefined; withTokens: boolean } {
  if (value === undefined || value === null) return { maxTokens: undefined, withTokens: false };
  if (typeof value !== 'object' || Array.isArray(value)) throw fail('memory.history takes an options object such as { maxTokens: 2000 }');
  const { maxTokens, withTokens } = value as { maxTokens?: unknown; withTokens?: unknown };
  if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0 || maxTokens > MAX_HISTORY_TOKENS)) {
    throw fail(`memory.history: maxTokens must be an integer from 0 to ${MAX_HISTORY_TOKENS}`);
  }
  return { maxTokens, withTokens: withTokens === true };
}

/** The messages of `memory.append`, checked and copied to plain `{ role, content }`. */
function appendMessages(value: unknown): LlmMessage[] {
  if (!Array.isArray(value) || value.length > MAX_APPEND_MESSAGES) {
    throw fail(`memory.append needs an array of at most ${MAX_APPEND_MESSAGES} messages like { role: "user", content: "hi" }`);
  }
  return value.map((item: unknown, index) => {
    const { role, content } = (typeof item === 'object' && item !== null ? item : {}) as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role)) throw fail(`memory.append: message ${index} needs role "system", "user" or "assistant"`);
    if (typeof content !== 'string' || content.length > MAX_MESSAGE_CHARS) {
      throw fail(`memory.append: message ${index} needs content as a string of at most ${MAX_MESSAGE_CHARS} characters`);
    }
    return { role: role as LlmMessage['role'], content };
  });
}

/**
 * `ctx.memory`: the calling contact's conversation history in the calling workspace, both taken from
 * the context and never from arguments (S-11).
 *
 * - `history({ maxTokens? })` → messages oldest first, truncated to the budget (system messages and
 *   the most recent turns kept). With `withTokens: true` it answers `{ messages, tokens }` instead,
 *   which is what core/memory outputs: tokens can only be counted here, as the tokenizer is too
 *   large to bundle into the isolate.
 * - `append(messages)` → stored once per step and call: the key is the step's idempotency key plus
 *   the call's sequence within the step, so a re-run step does not duplicate turns.
 * - `clear()` → forgets the contact's history.
 *
 * @example
 * const memory = createMemoryCapability({ history: createMemoryHistoryStore() });
 */
export function createMemoryCapability(options: MemoryCapabilityOptions): CapabilityHandler {
  const count = options.countTokens ?? gptCountTokens;
  const store = options.history;
  return async (method, args, context) => {
    const { workspaceId } = context;
    const contactId = context.contact.id;
    switch (method) {
      case 'history': {
        const { maxTokens, withTokens } = historyOptions(args[0]);
        const truncated = truncateHistory(await store.load(workspaceId, contactId), maxTokens, count);
        return withTokens ? truncated : truncated.messages;
      }
      case 'append': {
        const messages = appendMessages(args[0]);
        // The key is taken even for an empty append, so later appends of the step keep their numbers.
        const key = callKey(context, 'memory.append');
        if (messages.length > 0) await store.append(workspaceId, contactId, messages, key);
        return null;
      }
      case 'clear':
        await store.clear(workspaceId, contactId);
        return null;
      default:
        throw unknownMethod('memory', method);
    }
  };
}
