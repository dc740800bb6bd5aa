import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { ClientInit, WhatsAppChatLike, WhatsAppClientEvent, WhatsAppClientLike, WhatsAppMediaLike, WhatsAppMessageLike } from './types.js';

/** What puppeteer answers once the page behind whatsapp-web.js is gone. */
export const SESSION_CLOSED_MESSAGE = 'Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.';

export interface FakeSentMessage {
  /** `id._serialized` of the message, as WhatsApp numbers it (`true_<chat>_<id>`). */
  id: string;
  chatId: string;
  /** The text, or the media's caption. */
  body: string;
  media?: WhatsAppMediaLike;
  /** The fake's clock when it went out. */
  at: number;
}

export interface FakeIncoming {
  from: string;
  body?: string;
  /** The message's own part of the id (`ABC123`) or a whole `_serialized` id; random when absent. */
  id?: string;
  fromMe?: boolean;
  /** Default: the fake's own number for incoming messages, `from` for own ones. */
  to?: string;
  /** The sender inside a group. */
  author?: string;
  /** The sender's profile name (`_data.notifyName`). */
  notifyName?: string;
  type?: string;
  isStatus?: boolean;
  hasMedia?: boolean;
  /** Seconds since the epoch; default the fake's clock. */
  timestamp?: number;
}

export interface FakeWhatsAppClient extends WhatsAppClientLike {
  /** The account's own id. */
  readonly me: string;
  /** Messages that reached WhatsApp, in order (a send that failed after delivery is here too). */
  readonly sent: FakeSentMessage[];
  /** Every `sendMessage` call, delivered or not. */
  readonly sendAttempts: number;
  /** URLs media was built from. */
  readonly mediaRequests: string[];
  readonly initializeCalls: number;
  readonly destroyed: boolean;
  /** Whether the fake plays a crashed browser (see `closeSession`). */
  readonly sessionClosed: boolean;
  emitQr(text?: string): void;
  emitAuthenticated(): void;
  /** Sets `info` (own id) and emits `ready`. */
  emitReady(): void;
  emitAuthFailure(message?: string): void;
  emitDisconnected(reason?: string): void;
  emitStateChange(state: string): void;
  /** A message arrives: `message_create`, then (unless `fromMe`) `message`, as the real client emits them. */
  receive(input: FakeIncoming): WhatsAppMessageLike;
  /** The next `sendMessage` rejects; with `delivered: true` the message reaches the chat first (an ambiguous failure, W-10). */
  failNextSend(error?: Error | string, options?: { delivered?: boolean }): void;
  failNextInitialize(error: Error | string): void;
  failNextMedia(error: Error | string): void;
  /** From now on every call rejects with puppeteer's "Session closed" error, like a crashed Chromium. */
  closeSession(): void;
  /** The chat's messages, oldest first. */
  chatMessages(chatId: string): WhatsAppMessageLike[];
}

export interface FakeClientOptions {
  /** Default `15550000000@c.us`. */
  me?: string;
  /** Default `Date.now`. */
  now?: () => number;
}

let counter = 0;
const nextId = () => `FAKE${(++counter).toString(16).toUpperCase().padStart(8, '0')}`;

function toError(error: Error | string): Error {
  return typeof error === 'string' ? new Error(error) : error;
}

const MIME_BY_EXTENSION: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.mp4': 'video/mp4', '.pdf': 'application/pdf', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg' };

/**
 * A scriptable stand-in for whatsapp-web.js's `Client`: the same events and methods, no browser.
 * Tests drive it (`emitQr`, `emitReady`, `receive`, `emitDisconnected`, `failNextSend`,
 * `closeSession`) and read what went out (`sent`). Like the real client, an own send also fires
 * `message_create`, before `sendMessage` resolves.
 */
export function createFakeWhatsAppClient(options: FakeClientOptions = {}): FakeWhatsAppClient {
  const me = options.me ?? '15550000000@c.us';
  const now = options.now ?? Date.now;
  const emitter = new EventEmitter();
  const chats = new Map<string, WhatsAppMessageLike[]>();
  const sent: FakeSentMessage[] = [];
  const mediaRequests: string[] = [];
  let sendFailure: { error: Error; delivered: boolean } | undefined;
  let initializeFailure: Error | undefined;
  let mediaFailure: Error | undefined;
  let sessionClosed = false;
  let sendAttempts = 0;
  let initializeCalls = 0;
  let destroyed = false;

  function remember(chatId: string, message: WhatsAppMessageLike) {
    const list = chats.get(chatId) ?? [];
    list.push(message);
    chats.set(chatId, list);
  }

  function failIfClosed() {
    if (sessionClosed) throw new Error(SESSION_CLOSED_MESSAGE);
  }

  const client: FakeWhatsAppClient = {
    me,
    sent,
    mediaRequests,
    info: undefined,
    get sendAttempts() {
      return sendAttempts;
    },
    get initializeCalls() {
      return initializeCalls;
    },
    get destroyed() {
      return destroyed;
    },
    get sessionClosed() {
      return sessionClosed;
    },
    on(event: WhatsAppClientEvent, listener: (...args: unknown[]) => void) {
      emitter.on(event, listener);
      return client;
    },
    off(event: WhatsAppClientEvent, listener: (...args: unknown[]) => void) {
      emitter.off(event, listener);
      return client;
    },
    once(event: WhatsAppClientEvent, listener: (...args: unknown[]) => void) {
      emitter.once(event, listener);
      return client;
    },
    async initialize() {
      initializeCalls += 1;
      failIfClosed();
      if (initializeFailure !== undefined) {
        const error = initializeFailure;
        initializeFailure = undefined;
        throw error;
      }
    },
    async sendMessage(chatId, content, sendOptions) {
      sendAttempts += 1;
      failIfClosed();
      const failure = sendFailure;
      sendFailure = undefined;
      if (failure !== undefined && !failure.delivered) throw failure.error;
      const media = typeof content === 'string' ? undefined : content;
      const body = typeof content === 'string' ? content : (sendOptions?.caption ?? '');
      const local = nextId();
      const message: WhatsAppMessageLike = {
        id: { _serialized: `true_${chatId}_${local}`, fromMe: true, remote: chatId, id: local },
        body,
        from: me,
        to: chatId,
        fromMe: true,
        type: media === undefined ? 'chat' : 'image',
        hasMedia: media !== undefined,
        timestamp: Math.floor(now() / 1000),
        _data: {},
      };
      remember(chatId, message);
      sent.push(media === undefined ? { id: message.id._serialized, chatId, body, at: now() } : { id: message.id._serialized, chatId, body, media, at: now() });
      emitter.emit('message_create', message);
      if (failure !== undefined) throw failure.error;
      return message;
    },
    async destroy() {
      destroyed = true;
    },
    async logout() {
      failIfClosed();
      destroyed = true;
    },
    async getChatById(chatId): Promise<WhatsAppChatLike> {
      failIfClosed();
      return {
        async fetchMessages({ limit, fromMe }) {
          failIfClosed();
          const all = (chats.get(chatId) ?? []).filter((m) => fromMe === undefined || m.fromMe === fromMe);
          return all.slice(-limit);
        },
      };
    },
    async mediaFromUrl(url) {
      mediaRequests.push(url);
      if (mediaFailure !== undefined) {
        const error = mediaFailure;
        mediaFailure = undefined;
        throw error;
      }
      const filename = path.posix.basename(new URL(url).pathname) || 'file';
      return { mimetype: MIME_BY_EXTENSION[path.posix.extname(filename).toLowerCase()] ?? 'application/octet-stream', data: Buffer.from(url).toString('base64'), filename, url };
    },
    emitQr(text = `2@${nextId()},fake-qr`) {
      emitter.emit('qr', text);
    },
    emitAuthenticated() {
      emitter.emit('authenticated');
    },
    emitReady() {
      client.info = { wid: { _serialized: me }, pushname: 'Fake WhatsApp' };
      emitter.emit('ready');
    },
    emitAuthFailure(message = 'Unable to restore the saved session') {
      emitter.emit('auth_failure', message);
    },
    emitDisconnected(reason?: string) {
      if (reason === undefined) emitter.emit('disconnected');
      else emitter.emit('disconnected', reason);
    },
    emitStateChange(state) {
      emitter.emit('change_state', state);
    },
    receive(input) {
      const fromMe = input.fromMe ?? false;
      const to = input.to ?? (fromMe ? input.from : me);
      const chatId = fromMe ? to : input.from;
      const local = input.id ?? nextId();
      const serialized = local.includes('_') ? local : `${fromMe}_${chatId}_${local}`;
      const message: WhatsAppMessageLike = {
        id: { _serialized: serialized, fromMe, remote: chatId, id: local },
        body: input.body ?? '',
        from: fromMe ? me : input.from,
        to,
        fromMe,
        isStatus: input.isStatus ?? input.from === 'status@broadcast',
        type: input.type ?? 'chat',
        hasMedia: input.hasMedia ?? false,
        timestamp: input.timestamp ?? Math.floor(now() / 1000),
        _data: input.notifyName === undefined ? {} : { notifyName: input.notifyName },
      };
      if (input.author !== undefined) message.author = input.author;
      remember(chatId, message);
      emitter.emit('message_create', message);
      if (!fromMe) emitter.emit('message', message);
      return message;
    },
    failNextSend(error = new Error('evaluation timed out'), failOptions = {}) {
      sendFailure = { error: toError(error), delivered: failOptions.delivered ?? false };
    },
    failNextInitialize(error) {
      initializeFailure = toError(error);
    },
    failNextMedia(error) {
      mediaFailure = toError(error);
    },
    closeSession() {
      sessionClosed = true;
    },
    chatMessages(chatId) {
      return [...(chats.get(chatId) ?? [])];
    },
  };
  return client;
}

/**
 * A `createClient` for the adapter that makes a new fake per (re)connect and keeps them all:
 * `factory.latest` is the one in use, `factory.inits` what the adapter asked for. Set
 * `factory.onClient` to script clients as they are made (e.g. the second one fails to start).
 */
export function createFakeClientFactory(options: FakeClientOptions = {}) {
  const clients: FakeWhatsAppClient[] = [];
  const inits: ClientInit[] = [];
  const factory = {
    clients,
    inits,
    /** Called with each new client (and its index from 0) before the adapter sees it. */
    onClient: undefined as ((client: FakeWhatsAppClient, index: number) => void) | undefined,
    createClient(init: ClientInit): FakeWhatsAppClient {
      inits.push(init);
      const client = createFakeWhatsAppClient(options);
      clients.push(client);
      factory.onClient?.(client, clients.length - 1);
      return client;
    },
    get latest(): FakeWhatsAppClient {
      const client = clients.at(-1);
      if (client === undefined) throw new Error('the adapter has not created a WhatsApp client yet: call adapter.start() first');
      return client;
    },
  };
  return factory;
}
