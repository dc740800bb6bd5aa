/**
 * The built-in `core` plugin and the host-side providers behind its capabilities. Each provider is a
 * `CapabilityHandler` over a storage port of `@nexusflow/engine`; `composeCapabilities` makes the one
 * `CapabilityProvider` a session runtime takes.
 */
export { loadCorePlugin, CORE_PLUGIN_DIR } from './load-core-plugin.js';

export { composeCapabilities } from './providers/compose.js';
export type { CapabilityHandlers } from './providers/compose.js';
export type { CapabilityHandler } from './providers/types.js';
export { callKey, nextCallIndex } from './providers/call-sequence.js';

export { createChannelCapability, createRecordingChannel } from './providers/channel/channel-capability.js';
export type { RecordedDelivery } from './providers/channel/channel-capability.js';
export { createKvCapability, createMemoryKvStore } from './providers/kv/kv-capability.js';
export { createSecretsCapability, createMemorySecretStore } from './providers/secrets/secrets-capability.js';

export {
  createBillingCapability,
  createMemoryLedger,
  costOf,
  holdFor,
  maxTokensWithin,
  settleAmount,
  countTokens,
  loadDefaultRates,
  loadRates,
  loadRatesFile,
  rateFor,
  CreditError,
} from './providers/credits/index.js';
export type { MemoryLedger, Rate, RateTable } from './providers/credits/index.js';

export { createLlmCapability, adapterFor, LlmError } from './providers/llm/index.js';
export type { LlmCapabilityOptions, ChatResult } from './providers/llm/index.js';
export type { LlmConnection } from './providers/llm/types.js';

export { createMemoryCapability, createMemoryHistoryStore, truncateHistory } from './providers/memory/index.js';
export { createHttpCapability, HttpCapabilityError } from './providers/http/index.js';
export type { HttpCapabilityOptions } from './providers/http/index.js';
export { createDeployCapability, createMemoryDeployTarget, SITE_NAME } from './providers/deploy/index.js';
