import type { Logger } from 'pino';
import type { ChannelMessageRepository, ChannelConnection } from '../../store/types.js';
import type { ChannelInbound } from '../types.js';

/** The events of whatsapp-web.js's `Client` the adapter listens to. */
export type WhatsAppClientEvent = 'qr' | 'ready' | 'authenticated' | 'auth_failure' | 'message' | 'message_create' | 'disconnected' | 'change_state';

/**
 * What the adapter sends as media: whatsapp-web.js's `MessageMedia` (base64 data) for the real
 * client; fakes add `url` so tests can see which URL went out.
 */
export interface WhatsAppMediaLike {
  mimetype: string;
  data: string;
  filename?: string | null;
  url?: string;
}

/** A message as whatsapp-web.js's `Message` structure exposes it (the fields the adapter reads). */
export interface WhatsAppMessageLike {
  id: { _serialized: string; fromMe?: boolean; remote?: string; id?: string };
  body: string;
  from: string;
  to?: string;
  /** Sender inside a group (`from` is then the group). */
  author?: string;
  fromMe: boolean;
  isStatus?: boolean;
  type?: string;
  hasMedia?: boolean;
  /** Seconds since the epoch, as WhatsApp stamps it. */
  timestamp?: number;
  /** The raw model; `notifyName` is the sender's profile name. */
  _data?: { notifyName?: string } & Record<string, unknown>;
}

export interface WhatsAppChatLike {
  fetchMessages(options: { limit: number; fromMe?: boolean }): Promise<WhatsAppMessageLike[]>;
}

/**
 * The subset of whatsapp-web.js's `Client` the adapter uses. The real `Client` satisfies it;
 * `createFakeWhatsAppClient` (fake-client.ts) plays it in tests.
 */
export interface WhatsAppClientLike {
  on(event: WhatsAppClientEvent, listener: (...args: unknown[]) => void): unknown;
  off(event: WhatsAppClientEvent, listener: (...args: unknown[]) => void): unknown;
  once(event: WhatsAppClientEvent, listener: (...args: unknown[]) => void): unknown;
  initialize(): Promise<void>;
  /** `content` is text or media (then `options.caption` carries the text). */
  sendMessage(chatId: string, content: string | WhatsAppMediaLike, options?: { caption?: string; linkPreview?: boolean }): Promise<WhatsAppMessageLike>;
  destroy(): Promise<void>;
  logout?(): Promise<void>;
  getChatById?(chatId: string): Promise<WhatsAppChatLike | undefined>;
  /** Builds media from a URL (the real client: `MessageMedia.fromUrl`, added by real-client.ts); absent means media cannot be sent. */
  mediaFromUrl?(url: string): Promise<WhatsAppMediaLike>;
  /** Set by the real client once ready: the account's own id and profile name. */
  info?: { wid?: { _serialized?: string }; pushname?: string } | undefined;
}

export interface ClientInit {
  /** The connection id: LocalAuth keeps the login in `<dataPath>/session-<clientId>`. */
  clientId: string;
  dataPath: string;
  chromiumPath: string;
}

/** Timers the adapter waits with (pacing, reconnect backoff); tests pass a manual clock's. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SendLimits {
  /** Least time between two sends of one connection. */
  minIntervalMs: number;
  /** Messages to one contact in any 60 s. */
  perContactPerMinute: number;
  /** Messages of one connection in any hour. */
  perConnectionPerHour: number;
  /** Contacts that never wrote to this number and were never sent to, in any hour (cold outreach is what gets numbers banned). */
  newContactsPerHour: number;
}

export const DEFAULT_LIMITS: SendLimits = {
  minIntervalMs: 1_000,
  perContactPerMinute: 12,
  perConnectionPerHour: 300,
  newContactsPerHour: 20,
};

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 2_000, maxMs: 5 * 60_000 };

export interface WhatsAppWebAdapterOptions {
  /** kind `whatsapp`; config `{ ignoreGroups?: boolean (default true), ignoreOwn?: boolean (default true) }`. */
  connection: ChannelConnection;
  inbound: ChannelInbound;
  /** `store.channelMessages`: the inbox (dedup by WhatsApp message id) and the sent-key table. */
  messages: ChannelMessageRepository;
  /** Login sessions are kept under `<dataDir>/whatsapp/`. */
  dataDir: string;
  logger: Logger;
  now?: () => number;
  /** Default `/usr/bin/chromium`. */
  chromiumPath?: string;
  /** Default: whatsapp-web.js's `Client` with `LocalAuth` (loaded only then). */
  createClient?: (init: ClientInit) => WhatsAppClientLike;
  limits?: Partial<SendLimits>;
  backoff?: Partial<BackoffSettings>;
  /** Default: the process's timers. */
  timers?: Timers;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /**
   * Checked before a media URL is fetched (throw to refuse it). Default: http and https only. Pass
   * one that applies the server's egress policy to keep flows from fetching private addresses.
   */
  checkMediaUrl?: (url: URL) => Promise<void> | void;
}
