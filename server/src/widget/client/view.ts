import type { WidgetConfig } from './config.js';
import type { ConnectionState } from './connection.js';
import type { Conversation, Item } from './conversation.js';
import { el, readableOn, richText, safeUrl } from './dom.js';
import { icon } from './icons.js';
import type { Media, QuickReplyButton } from './protocol.js';
import { WIDGET_CSS } from './styles.js';

export interface ViewActions {
  toggle(): void;
  close(): void;
  start(): void;
  send(text: string): void;
  quickReply(button: QuickReplyButton): void;
  retry(clientMessageId: string): void;
}

/** How near the bottom (px) still counts as "reading the latest": auto-scroll keeps following. */
const PINNED_SLACK = 48;

const STATUS_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  unavailable: 'Unavailable',
};

const ROLE_LABEL: Record<string, string | undefined> = { operator: 'Team member' };

interface Drawn {
  row: HTMLElement;
  rev: number;
}

/**
 * The widget on screen: a custom element whose shadow root holds the launcher and the chat
 * window, so the host page's CSS cannot reach in and ours cannot leak out.
 */
export class WidgetView {
  readonly host: HTMLElement;
  readonly #config: WidgetConfig;
  readonly #actions: ViewActions;
  readonly #root: HTMLDivElement;
  readonly #panel: HTMLElement;
  readonly #launcher: HTMLButtonElement;
  readonly #badge: HTMLSpanElement;
  readonly #status: HTMLDivElement;
  readonly #statusText: HTMLSpanElement;
  readonly #connectionBanner: HTMLDivElement;
  readonly #errorBanner: HTMLDivElement;
  readonly #errorText: HTMLSpanElement;
  readonly #welcome: HTMLDivElement;
  readonly #start: HTMLButtonElement;
  readonly #chat: HTMLDivElement;
  readonly #log: HTMLDivElement;
  readonly #quick: HTMLDivElement;
  readonly #typing: HTMLDivElement;
  readonly #jump: HTMLButtonElement;
  readonly #input: HTMLTextAreaElement;
  readonly #send: HTMLButtonElement;
  readonly #drawn = new Map<string, Drawn>();
  #quickFor: string | undefined;
  #pinned = true;
  #open = false;

  constructor(config: WidgetConfig, actions: ViewActions) {
    this.#config = config;
    this.#actions = actions;
    this.host = document.createElement('nexusflow-widget');
    this.host.setAttribute('data-position', config.position);
    const shadow = this.host.attachShadow({ mode: 'open' });
    adoptStyles(shadow);

    this.#statusText = el('span', { class: 'nf-status-text' }, STATUS_TEXT.connecting);
    this.#status = el('div', { class: 'nf-status', 'data-state': 'connecting' }, el('span', { class: 'nf-dot', 'aria-hidden': 'true' }), this.#statusText);
    const closeButton = el('button', { type: 'button', class: 'nf-icon-button nf-close', 'aria-label': 'Close chat', title: 'Close' }, icon('minimize'));
    closeButton.addEventListener('click', () => actions.close());
    const header = el(
      'header',
      { class: 'nf-header' },
      el('div', { class: 'nf-avatar', 'aria-hidden': 'true' }, icon('bot')),
      el('div', { class: 'nf-heading' }, el('h2', { class: 'nf-title', id: 'nf-title' }, config.title), this.#status),
      closeButton,
    );

    this.#connectionBanner = el('div', { class: 'nf-banner nf-connection', role: 'status', hidden: '' });
    this.#errorText = el('span', { class: 'nf-banner-text' });
    const dismiss = el('button', { type: 'button', class: 'nf-icon-button', 'aria-label': 'Dismiss this message' }, icon('close'));
    dismiss.addEventListener('click', () => this.showError(undefined));
    this.#errorBanner = el('div', { class: 'nf-banner nf-error', role: 'alert', hidden: '' }, icon('alert'), this.#errorText, dismiss);

    this.#start = el('button', { type: 'button', class: 'nf-start' }, 'Start a conversation', icon('arrowRight'));
    this.#start.addEventListener('click', () => actions.start());
    this.#welcome = el(
      'div',
      { class: 'nf-welcome' },
      el('div', { class: 'nf-welcome-card' }, el('div', { class: 'nf-welcome-icon', 'aria-hidden': 'true' }, icon('chat')), el('h3', { class: 'nf-welcome-title' }, config.title), el('p', { class: 'nf-welcome-text' }, config.greeting)),
      this.#start,
    );

    this.#typing = el('div', { class: 'nf-typing', role: 'status', 'aria-label': `${config.title} is typing`, hidden: '' }, el('span'), el('span'), el('span'));
    this.#quick = el('div', { class: 'nf-quick', role: 'group', 'aria-label': 'Suggested replies', hidden: '' });
    this.#log = el('div', { class: 'nf-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: '0' }, this.#quick, this.#typing);
    this.#log.addEventListener('scroll', () => {
      this.#pinned = this.#distanceFromBottom() <= PINNED_SLACK;
      if (this.#pinned) this.#jump.hidden = true;
    });
    this.#jump = el('button', { type: 'button', class: 'nf-jump', hidden: '' }, 'New messages', icon('arrowDown'));
    this.#jump.addEventListener('click', () => this.scrollToLatest());

    this.#input = el('textarea', { class: 'nf-input', rows: '1', placeholder: 'Write a message…', 'aria-label': 'Message', maxlength: '4000', enterkeyhint: 'send' });
    this.#send = el('button', { type: 'submit', class: 'nf-send', 'aria-label': 'Send message', title: 'Send', disabled: '' }, icon('send'));
    const composer = el('form', { class: 'nf-composer' }, this.#input, this.#send);
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.#input.addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter is a new line; never while an IME is composing a character.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#submit();
      }
    });
    this.#input.addEventListener('input', () => this.#fitInput());
    this.#chat = el('div', { class: 'nf-chat', hidden: '' }, this.#log, this.#jump, composer);

    this.#panel = el(
      'section',
      { class: 'nf-panel', id: 'nf-panel', role: 'dialog', 'aria-labelledby': 'nf-title', hidden: '' },
      header,
      this.#connectionBanner,
      this.#errorBanner,
      this.#welcome,
      this.#chat,
      el('div', { class: 'nf-footer' }, 'Powered by ', el('strong', {}, 'Nexus Flow')),
    );
    this.#panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        actions.close();
      }
    });

    this.#badge = el('span', { class: 'nf-badge', 'aria-hidden': 'true', hidden: '' });
    this.#launcher = el('button', { type: 'button', class: 'nf-launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false', 'aria-controls': 'nf-panel' }, icon('chat', 'nf-icon-chat'), icon('close', 'nf-icon-close'), this.#badge);
    this.#launcher.addEventListener('click', () => actions.toggle());

    this.#root = el('div', { class: 'nf-root' }, this.#panel, this.#launcher);
    shadow.append(this.#root);
  }

  /** Puts the widget on the page and applies the colours (the accent's text colour needs layout). */
  mount(parent: HTMLElement): void {
    parent.append(this.host);
    this.#root.style.setProperty('--nf-accent', this.#config.color);
    // Styles go through the CSSOM, never style attributes, which a strict host CSP would block.
    const probe = el('span');
    probe.style.color = this.#config.color;
    this.#root.append(probe);
    this.#root.style.setProperty('--nf-on-accent', readableOn(getComputedStyle(probe).color));
    probe.remove();
    this.#applyTheme();
  }

  #applyTheme(): void {
    const { theme } = this.#config;
    if (theme !== 'auto') {
      this.#root.classList.toggle('nf-dark', theme === 'dark');
      return;
    }
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => this.#root.classList.toggle('nf-dark', query.matches);
    apply();
    query.addEventListener('change', apply);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  setOpen(open: boolean, focus = true): void {
    this.#open = open;
    this.#panel.hidden = !open;
    this.#root.classList.toggle('nf-open', open);
    this.#launcher.setAttribute('aria-expanded', String(open));
    this.setUnread(0);
    if (open) {
      this.scrollToLatest();
      if (focus) (this.#welcome.hidden ? this.#input : this.#start).focus({ preventScroll: true });
    } else if (focus && this.host.shadowRoot?.activeElement !== null) {
      this.#launcher.focus({ preventScroll: true });
    }
  }

  setUnread(count: number): void {
    this.#badge.hidden = count === 0;
    this.#badge.textContent = count > 9 ? '9+' : String(count);
    this.#launcher.setAttribute('aria-label', this.#open ? 'Close chat' : count === 0 ? 'Open chat' : `Open chat (${count} new ${count === 1 ? 'message' : 'messages'})`);
  }

  /** Welcome screen (before the first message) or the conversation. */
  showScreen(screen: 'welcome' | 'chat'): void {
    if (this.#chat.hidden === (screen !== 'chat') && this.#welcome.hidden === (screen !== 'welcome')) return;
    const focusInside = this.#open && this.host.shadowRoot?.activeElement !== null;
    this.#welcome.hidden = screen !== 'welcome';
    this.#chat.hidden = screen !== 'chat';
    if (screen === 'chat') {
      this.scrollToLatest();
      if (focusInside) this.#input.focus({ preventScroll: true });
    }
  }

  setConnection(state: ConnectionState, reason?: string): void {
    this.#status.setAttribute('data-state', state);
    this.#statusText.textContent = STATUS_TEXT[state];
    const banner = this.#connectionBanner;
    banner.replaceChildren();
    if (state === 'reconnecting') {
      banner.append(icon('refresh', 'nf-spin'), el('span', { class: 'nf-banner-text' }, 'Connection lost. Reconnecting… Messages you send now go out as soon as it is back.'));
    } else if (state === 'unavailable') {
      banner.append(icon('wifiOff'), el('span', { class: 'nf-banner-text' }, `This chat is unavailable right now${reason === undefined ? '' : `: ${reason}`}.`));
    }
    banner.classList.toggle('nf-error', state === 'unavailable');
    banner.hidden = state !== 'reconnecting' && state !== 'unavailable';
  }

  /** A problem the visitor should know about, or `undefined` to clear it. */
  showError(message: string | undefined): void {
    this.#errorText.textContent = message ?? '';
    this.#errorBanner.hidden = message === undefined;
  }

  #submit(): void {
    const text = this.#input.value.trim();
    if (text === '') return;
    this.#input.value = '';
    this.#fitInput();
    this.#pinned = true;
    this.#actions.send(text);
  }

  #fitInput(): void {
    this.#send.disabled = this.#input.value.trim() === '';
    this.#input.style.height = 'auto';
    this.#input.style.height = `${Math.min(this.#input.scrollHeight + 3, 128)}px`;
  }

  #distanceFromBottom(): number {
    return this.#log.scrollHeight - this.#log.scrollTop - this.#log.clientHeight;
  }

  scrollToLatest(): void {
    this.#pinned = true;
    this.#jump.hidden = true;
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  /** Draws the conversation: only items whose revision changed are redrawn, rows keep their place. */
  render(conversation: Conversation): void {
    const before = this.#log.scrollHeight;
    const seen = new Set<string>();
    let previous: Node | null = null;
    let previousRole: string | undefined;
    for (const item of conversation.items) {
      seen.add(item.id);
      let drawn = this.#drawn.get(item.id);
      if (drawn === undefined || drawn.rev !== item.rev) {
        const row = this.#row(item);
        drawn?.row.replaceWith(row);
        drawn = { row, rev: item.rev };
        this.#drawn.set(item.id, drawn);
      }
      const role = roleOf(item);
      drawn.row.classList.toggle('nf-turn', role !== previousRole);
      previousRole = role;
      const expected: Node | null = previous === null ? this.#log.firstChild : previous.nextSibling;
      if (expected !== drawn.row) this.#log.insertBefore(drawn.row, expected);
      previous = drawn.row;
    }
    for (const [id, drawn] of this.#drawn) {
      if (!seen.has(id)) {
        drawn.row.remove();
        this.#drawn.delete(id);
      }
    }
    this.#renderQuickReplies(conversation);
    this.#typing.hidden = !conversation.typing || conversation.isStreaming();
    // Quick replies and the typing dots stay below every message.
    this.#log.append(this.#quick, this.#typing);
    this.#follow(before);
  }

  /** Keeps the newest message in view, unless the reader scrolled up to read: then offer a jump. */
  #follow(heightBefore: number): void {
    if (this.#pinned) {
      this.#log.scrollTop = this.#log.scrollHeight;
    } else if (this.#log.scrollHeight > heightBefore) {
      this.#jump.hidden = false;
    }
  }

  #renderQuickReplies(conversation: Conversation): void {
    const active = conversation.activeButtons();
    if (active?.itemId === this.#quickFor) return;
    this.#quickFor = active?.itemId;
    this.#quick.replaceChildren();
    this.#quick.hidden = active === undefined;
    for (const button of active?.buttons ?? []) {
      const element = el('button', { type: 'button' }, button.title);
      element.addEventListener('click', () => {
        this.#quick.hidden = true;
        this.#pinned = true;
        this.#actions.quickReply(button);
      });
      this.#quick.append(element);
    }
  }

  #row(item: Item): HTMLElement {
    const role = roleOf(item);
    const row = el('div', { class: `nf-row nf-from-${role}`, 'data-item': item.id });
    if (item.kind === 'stream') {
      // Screen readers hear the finished reply once, not every token of it.
      row.setAttribute('aria-hidden', 'true');
      row.classList.add('nf-streaming');
      row.append(el('div', { class: 'nf-bubble' }, item.text));
      return row;
    }
    if (item.kind === 'outgoing') {
      row.append(el('div', { class: 'nf-bubble' }, richText(item.text)));
      row.setAttribute('data-status', item.status);
      if (item.status === 'failed') {
        row.classList.add('nf-failed');
        const retry = el('button', { type: 'button', class: 'nf-retry' }, 'Retry');
        retry.addEventListener('click', () => this.#actions.retry(item.id));
        row.append(el('div', { class: 'nf-meta' }, icon('alert'), 'Not sent. ', retry));
      } else if (item.status === 'queued') {
        row.append(el('div', { class: 'nf-meta' }, icon('clock'), 'Waiting for connection'));
      } else if (item.status === 'sending') {
        row.append(el('div', { class: 'nf-meta' }, icon('clock'), 'Sending…'));
      }
      return row;
    }
    const { entry } = item;
    const label = ROLE_LABEL[entry.role];
    if (label !== undefined) row.append(el('div', { class: 'nf-who' }, label));
    if (entry.text !== '') row.append(el('div', { class: 'nf-bubble', title: new Date(entry.at).toLocaleString() }, richText(entry.text)));
    if (entry.media !== undefined) {
      const media = this.#media(entry.media);
      if (media !== undefined) row.append(media);
    }
    return row;
  }

  #media(media: Media): HTMLElement | undefined {
    const url = safeUrl(media.url, `${this.#config.serverOrigin}/`);
    if (url === undefined) return undefined;
    const type = media.type ?? (/\.(png|jpe?g|gif|webp|svg|avif)(\?|#|$)/i.test(url) ? 'image' : 'file');
    if (type === 'image') {
      const image = el('img', { src: url, alt: 'Image', loading: 'lazy', decoding: 'async' });
      image.addEventListener('load', () => {
        if (this.#pinned) this.#log.scrollTop = this.#log.scrollHeight;
      });
      return el('a', { class: 'nf-media', href: url, target: '_blank', rel: 'noopener noreferrer', 'aria-label': 'Open image in a new tab' }, image);
    }
    if (type === 'audio' || type === 'video') {
      const player = el(type, { src: url, controls: '', preload: 'metadata' });
      return el('div', { class: 'nf-media' }, player);
    }
    return el('a', { class: 'nf-media nf-attachment', href: url, target: '_blank', rel: 'noopener noreferrer' }, icon('paperclip'), 'Open attachment');
  }
}

function roleOf(item: Item): string {
  return item.kind === 'entry' ? item.entry.role : item.kind === 'outgoing' ? 'user' : 'bot';
}

/** Constructed style sheets are not subject to the page's CSP style rules; `<style>` is the fallback. */
function adoptStyles(shadow: ShadowRoot): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(WIDGET_CSS);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.append(el('style', {}, WIDGET_CSS));
  }
}
