export { createWhatsAppWebAdapter } from './adapter.js';
export { createFakeWhatsAppClient, createFakeClientFactory, SESSION_CLOSED_MESSAGE } from './fake-client.js';
export type { FakeWhatsAppClient, FakeIncoming, FakeSentMessage, FakeClientOptions } from './fake-client.js';
export { createManualClock } from './manual-clock.js';
export type { ManualClock } from './manual-clock.js';
export { CLIENT_ID_PATTERN } from './session-files.js';
export { DEFAULT_LIMITS, DEFAULT_BACKOFF } from './types.js';
export type {
  WhatsAppWebAdapterOptions,
  WhatsAppClientLike,
  WhatsAppMessageLike,
  WhatsAppMediaLike,
  WhatsAppChatLike,
  WhatsAppClientEvent,
  ClientInit,
  SendLimits,
  BackoffSettings,
  Timers,
} from './types.js';
