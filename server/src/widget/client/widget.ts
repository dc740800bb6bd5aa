import type { WidgetConfig } from './config.js';
import { Connection } from './connection.js';
import { Conversation } from './conversation.js';
import { describeFailure } from './failure-text.js';
import type { QuickReplyButton } from './protocol.js';
import { randomId, widgetMemory, type WidgetMemory } from './storage.js';
import { WidgetView } from './view.js';

/** The widget: the conversation model, the connection and the view, wired together. */
export class Widget {
  readonly #config: WidgetConfig;
  readonly #memory: WidgetMemory;
  readonly #conversation = new Conversation();
  readonly #view: WidgetView;
  readonly #connection: Connection;
  /** The first history has arrived: from now on, new entries are news (unread badge). */
  #synced = false;
  /** Start was pressed before the history was known: decide whether to greet once it is. */
  #startPending = false;
  #unread = 0;

  constructor(config: WidgetConfig) {
    this.#config = config;
    this.#memory = widgetMemory(config.publishableKey);
    this.#view = new WidgetView(config, {
      toggle: () => (this.#view.isOpen ? this.close() : this.open()),
      close: () => this.close(),
      start: () => this.#start(),
      send: (text) => this.send(text),
      quickReply: (button) => this.#quickReply(button),
      retry: (id) => this.#retry(id),
    });
    this.#conversation.onChange(() => this.#view.render(this.#conversation));
    this.#connection = new Connection(
      config,
      this.#memory.contactId(),
      {
        state: (state, reason) => this.#view.setConnection(state, reason),
        entries: (entries) => {
          const added = this.#conversation.merge(entries);
          if (added.length === 0) return;
          this.#showChatIfStarted();
          if (this.#synced && !this.#view.isOpen) this.#addUnread(added.filter((e) => e.role === 'bot' || e.role === 'operator').length);
        },
        synced: (first) => {
          this.#synced = true;
          if (!first) return;
          this.#showChatIfStarted();
          if (this.#startPending) {
            this.#startPending = false;
            if (!this.#conversation.hasHistory()) this.send(config.startMessage);
          }
        },
        token: (streamId, delta) => this.#conversation.token(streamId, delta),
        typing: (on) => this.#conversation.setTyping(on),
        streamAborted: (streamId) => this.#conversation.abortStream(streamId),
        dropped: () => {
          this.#conversation.setTyping(false);
          this.#conversation.dropStreams();
        },
        failure: (failure) => this.#view.showError(describeFailure(failure)),
        sendStatus: (id, status) => this.#conversation.setStatus(id, status),
      },
      () => this.#conversation.lastSeq(),
    );
  }

  mount(parent: HTMLElement): void {
    this.#view.mount(parent);
    this.#view.showScreen('welcome');
    if (this.#memory.wasOpen()) this.#view.setOpen(true, false);
    this.#connection.start();
  }

  open(): void {
    this.#unread = 0;
    this.#view.setOpen(true);
    this.#memory.setOpen(true);
  }

  close(): void {
    this.#view.setOpen(false);
    this.#memory.setOpen(false);
  }

  /** Sends a message as the visitor; it waits in the outbox while the connection is down. */
  send(text: string, payload?: string): void {
    const clientMessageId = randomId(20);
    this.#view.showError(undefined);
    this.#conversation.addOutgoing(clientMessageId, text, payload);
    this.#view.showScreen('chat');
    this.#connection.send({ text, clientMessageId, ...(payload === undefined ? {} : { payload }) });
  }

  #start(): void {
    this.#view.showScreen('chat');
    if (!this.#synced) {
      this.#startPending = true;
      return;
    }
    if (!this.#conversation.hasHistory()) this.send(this.#config.startMessage);
  }

  #quickReply(button: QuickReplyButton): void {
    this.send(button.title, button.payload);
  }

  #retry(id: string): void {
    const item = this.#conversation.items.find((i) => i.id === id);
    if (item?.kind !== 'outgoing') return;
    this.#view.showError(undefined);
    this.#connection.send({ text: item.text, clientMessageId: item.id, ...(item.payload === undefined ? {} : { payload: item.payload }) });
  }

  #showChatIfStarted(): void {
    if (this.#conversation.hasHistory()) this.#view.showScreen('chat');
  }

  #addUnread(count: number): void {
    if (count === 0) return;
    this.#unread += count;
    this.#view.setUnread(this.#unread);
  }
}
