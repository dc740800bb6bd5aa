import { io, type Socket } from 'socket.io-client';
import type { WidgetConfig } from './config.js';
import type { OutgoingStatus } from './conversation.js';
import { HISTORY_PAGE, readEntries, readFailure, type ChatFailure, type Entry, type OutgoingMessage } from './protocol.js';

/**
 * The widget's line to the server: one Socket.IO connection to `/chat`, reconnected after drops,
 * with a catch-up through `history` after every (re)connect and an outbox that sends the
 * visitor's messages one at a time, in order, once the line is up again.
 */

export type ConnectionState =
  /** First connection not made yet. */
  | 'connecting'
  | 'online'
  /** Was online; the line dropped (or the server is restarting) and the widget is trying again. */
  | 'reconnecting'
  /** The server refused this widget (unknown key, chat removed): retrying will not help. */
  | 'unavailable';

export interface ConnectionEvents {
  state(state: ConnectionState, reason?: string): void;
  /** Stored entries: history, catch-up, live replies, and the replies an ack carries. */
  entries(entries: Entry[]): void;
  /** The first history of this page view has arrived (with `entries` already delivered). */
  synced(first: boolean): void;
  token(streamId: string, delta: string): void;
  typing(on: boolean): void;
  streamAborted(streamId: string): void;
  /** The line dropped: streams in flight will not finish on screen. */
  dropped(): void;
  failure(failure: ChatFailure): void;
  sendStatus(clientMessageId: string, status: OutgoingStatus): void;
}

/** Failures that mean the message never got in: the visitor may send it again. */
const NOT_ACCEPTED = new Set(['rate_limited', 'queue_full', 'invalid_message', 'message_too_long']);
/** Handshake refusals that retrying cannot fix. */
const FATAL = new Set(['unauthorized', 'too large']);
/** A turn can run a 60 s model step and more; past this the ack is presumed lost and the message resent (same id, run once). */
const ACK_TIMEOUT_MS = 120_000;
const HISTORY_TIMEOUT_MS = 15_000;

export class Connection {
  readonly #socket: Socket;
  readonly #events: ConnectionEvents;
  readonly #lastSeq: () => number;
  readonly #outbox: OutgoingMessage[] = [];
  #state: ConnectionState = 'connecting';
  #synced = false;
  #everSynced = false;
  #sending = false;
  /** Bumped on every drop so answers to an older connection are ignored. */
  #generation = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelay = 1000;

  constructor(config: WidgetConfig, contactId: string, events: ConnectionEvents, lastSeq: () => number) {
    this.#events = events;
    this.#lastSeq = lastSeq;
    this.#socket = io(`${config.serverOrigin}/chat`, {
      path: config.socketPath,
      auth: { publishableKey: config.publishableKey, contactId },
      autoConnect: false,
      // WebSocket first (no long-polling requests parked on the host page's connections); HTTP
      // long-polling only where a proxy blocks WebSockets.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      // The widget runs on other sites: no cookies, the publishable key is the credential.
      withCredentials: false,
    });
    this.#listen();
  }

  start(): void {
    this.#socket.connect();
    window.addEventListener('online', this.#nudge);
  }

  /** Queues a message; it goes out now if the line is up, else after the reconnect. */
  send(message: OutgoingMessage): void {
    this.#outbox.push(message);
    this.#events.sendStatus(message.clientMessageId, 'queued');
    this.#flush();
  }

  #setState(state: ConnectionState, reason?: string): void {
    if (this.#state === state && reason === undefined) return;
    this.#state = state;
    this.#events.state(state, reason);
  }

  /** The browser says the network is back: try now instead of waiting out the backoff. */
  readonly #nudge = (): void => {
    if (!this.#socket.connected && this.#state !== 'unavailable') {
      clearTimeout(this.#retryTimer);
      this.#socket.connect();
    }
  };

  #listen(): void {
    const socket = this.#socket;
    socket.on('ready', (raw: { history?: unknown } | undefined) => void this.#sync(readEntries(raw?.history)));
    socket.on('reply', (raw: unknown) => this.#events.entries(readEntries([raw])));
    socket.on('token', (raw: { streamId?: unknown; delta?: unknown } | undefined) => {
      if (typeof raw?.streamId === 'string' && typeof raw.delta === 'string') this.#events.token(raw.streamId, raw.delta);
    });
    socket.on('typing', (raw: { on?: unknown } | undefined) => this.#events.typing(raw?.on === true));
    socket.on('stream_aborted', (raw: { streamId?: unknown } | undefined) => {
      if (typeof raw?.streamId === 'string') this.#events.streamAborted(raw.streamId);
    });
    socket.on('chat_error', (raw: unknown) => {
      const failure = readFailure(raw);
      // The deployment is gone: the server hangs up next, and retrying will not bring it back.
      if (failure.status === 404) this.#setState('unavailable', 'it was removed or switched off');
      else this.#events.failure(failure);
    });
    socket.on('server_restarting', () => this.#setState(this.#everSynced ? 'reconnecting' : 'connecting'));
    socket.on('disconnect', (reason) => {
      this.#generation += 1;
      this.#synced = false;
      this.#sending = false;
      this.#events.dropped();
      for (const message of this.#outbox) this.#events.sendStatus(message.clientMessageId, 'queued');
      if (this.#state === 'unavailable') return;
      this.#setState(this.#everSynced ? 'reconnecting' : 'connecting');
      // The server hung up on purpose (it is draining, say): Socket.IO leaves reconnecting to us.
      if (reason === 'io server disconnect') this.#retryLater();
    });
    socket.on('connect_error', (error: Error) => {
      if (FATAL.has(error.message)) {
        this.#setState('unavailable', 'this page has an unknown or removed deployment key');
        return;
      }
      if (this.#state === 'online') this.#setState('reconnecting');
      // A refusal by the server's middleware (restarting, store busy) stops Socket.IO's own retries.
      if (!socket.active) this.#retryLater();
    });
  }

  #retryLater(): void {
    clearTimeout(this.#retryTimer);
    const delay = this.#retryDelay * (0.75 + Math.random() / 2);
    this.#retryDelay = Math.min(this.#retryDelay * 2, 10_000);
    this.#retryTimer = setTimeout(() => this.#socket.connect(), delay);
  }

  /** After (re)connecting: history, then every entry after the last one known, then the outbox. */
  async #sync(history: Entry[]): Promise<void> {
    const generation = this.#generation;
    this.#events.entries(history);
    let page = history.length;
    let after = -1;
    try {
      while (page >= HISTORY_PAGE || (this.#everSynced && after < 0)) {
        after = this.#lastSeq();
        const answer = (await this.#socket.timeout(HISTORY_TIMEOUT_MS).emitWithAck('history', { afterSeq: after })) as { ok?: unknown; history?: unknown; error?: unknown };
        if (generation !== this.#generation) return;
        if (answer?.ok !== true) throw new Error(readFailure(answer?.error).message);
        const entries = readEntries(answer.history);
        this.#events.entries(entries);
        page = entries.length;
      }
    } catch {
      // The catch-up failed (timeout, drop): the next reconnect tries again; live events go on.
      if (generation !== this.#generation) return;
    }
    const first = !this.#everSynced;
    this.#synced = true;
    this.#everSynced = true;
    this.#retryDelay = 1000;
    this.#setState('online');
    this.#events.synced(first);
    this.#flush();
  }

  #flush(): void {
    if (!this.#synced || this.#sending) return;
    const message = this.#outbox[0];
    if (message === undefined) return;
    this.#sending = true;
    const generation = this.#generation;
    this.#events.sendStatus(message.clientMessageId, 'sending');
    this.#socket.timeout(ACK_TIMEOUT_MS).emit('message', message, (error: Error | null, raw: unknown) => {
      if (generation !== this.#generation) return;
      this.#sending = false;
      if (error !== null) {
        // No answer in time: send it again under the same id (the server runs it at most once).
        // A drop also ends here; then the reconnect's catch-up sends it.
        if (this.#socket.connected) this.#flush();
        return;
      }
      this.#outbox.shift();
      const answer = (raw ?? {}) as { ok?: unknown; replies?: unknown; error?: unknown };
      if (answer.ok === true) {
        this.#events.sendStatus(message.clientMessageId, 'sent');
        this.#events.entries(readEntries(answer.replies));
      } else {
        // The server also sent `chat_error`, which the visitor sees; here only the message's mark changes.
        this.#events.sendStatus(message.clientMessageId, NOT_ACCEPTED.has(readFailure(answer.error).code) ? 'failed' : 'sent');
      }
      this.#flush();
    });
  }
}
