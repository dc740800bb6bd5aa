export { createLlmCapability, parseChatRequest, DEFAULT_MAX_TOKENS, MAX_MAX_TOKENS, HOLD_TTL_MS } from './llm-capability.js';
export type { LlmCapabilityOptions, ChatRequest, ChatResult, ChatUsage } from './llm-capability.js';
export { adapterFor } from './adapters.js';
export { createOpenAiAdapter, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_RETRIES } from './openai-adapter.js';
export { createAnthropicAdapter, AnthropicUsage } from './anthropic-adapter.js';
export { LlmError, mapProviderError, retryAfterSeconds } from './errors.js';
export type { LlmErrorCode } from './errors.js';
export { compileJsonAnswerChecker, extractJson, jsonInstruction } from './json-mode.js';
export type { JsonAnswerChecker, JsonCheck } from './json-mode.js';
export type {
  LlmAdapter,
  LlmCallOptions,
  LlmCallRequest,
  LlmCallResult,
  LlmConnection,
  LlmProviderName,
  LlmStopReason,
  ReportedUsage,
} from './types.js';
