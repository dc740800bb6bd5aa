export { createMemoryCapability, MAX_APPEND_MESSAGES, MAX_HISTORY_TOKENS, MAX_MESSAGE_CHARS } from './memory-capability.js';
export type { MemoryCapabilityOptions } from './memory-capability.js';
export { createMemoryHistoryStore } from './memory-history-store.js';
export { truncateHistory } from './truncate-history.js';
export type { CountTokens, TruncatedHistory } from './truncate-history.js';
