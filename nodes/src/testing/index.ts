/**
 * Test utilities: a local fake LLM server speaking the OpenAI and Anthropic wire protocols.
 * @packageDocumentation
 */
export { startFakeLlmServer, type FakeLlmServer, type FakeLlmServerOptions } from './fake-llm-server.js';
export {
  DEFAULT_REPLY_TEXT,
  MAX_QUEUED_STEPS,
  MAX_REPLY_TOKENS,
  type FakeApi,
  type FakeReply,
  type FakeRequest,
  type FakeResponder,
  type ScriptStep,
} from './script.js';
export { countTokens } from './tokens.js';
