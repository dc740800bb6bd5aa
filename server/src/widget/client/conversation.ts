import type { Entry, QuickReplyButton } from './protocol.js';

/**
 * The conversation as the widget draws it: stored entries (ordered by `seq`), the visitor's own
 * messages (shown at once, before the server numbers them) and answers still streaming in.
 * No DOM here: the view draws `items` by id and redraws an item when its `rev` changes.
 */

export type OutgoingStatus = 'queued' | 'sending' | 'sent' | 'failed';

export type Item =
  | { kind: 'entry'; id: string; rev: number; entry: Entry }
  | { kind: 'outgoing'; id: string; rev: number; text: string; payload?: string; status: OutgoingStatus; seq?: number }
  | { kind: 'stream'; id: string; rev: number; streamId: string; text: string };

const seqOf = (item: Item): number | undefined => (item.kind === 'entry' ? item.entry.seq : item.kind === 'outgoing' ? item.seq : undefined);

export class Conversation {
  readonly items: Item[] = [];
  /** The bot is working on an answer (between `typing` on and off). */
  typing = false;
  #rev = 0;
  #listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  #bump(item: Item): void {
    item.rev = ++this.#rev;
  }

  /** Highest seq the widget has: what to catch up after. */
  lastSeq(): number {
    let last = 0;
    for (const item of this.items) last = Math.max(last, seqOf(item) ?? 0);
    return last;
  }

  hasHistory(): boolean {
    return this.items.length > 0;
  }

  isStreaming(): boolean {
    return this.items.some((item) => item.kind === 'stream');
  }

  /** The quick replies to offer: only those of the last item, so answering one (or typing) hides them. */
  activeButtons(): { itemId: string; buttons: QuickReplyButton[] } | undefined {
    const last = this.items[this.items.length - 1];
    return last?.kind === 'entry' && last.entry.buttons !== undefined && last.entry.role !== 'user' ? { itemId: last.id, buttons: last.entry.buttons } : undefined;
  }

  addOutgoing(id: string, text: string, payload?: string): Item {
    const item: Item = { kind: 'outgoing', id, rev: 0, text, status: 'queued', ...(payload === undefined ? {} : { payload }) };
    this.#bump(item);
    this.items.push(item);
    this.#changed();
    return item;
  }

  setStatus(id: string, status: OutgoingStatus): void {
    const item = this.items.find((i) => i.id === id);
    if (item?.kind !== 'outgoing' || item.status === status) return;
    item.status = status;
    this.#bump(item);
    this.#changed();
  }

  /** Adds stored entries (history, catch-up, replies, acks); answers those that were new. */
  merge(entries: readonly Entry[]): Entry[] {
    const added: Entry[] = [];
    for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) if (this.#mergeOne(entry)) added.push(entry);
    if (added.length > 0) this.#changed();
    return added;
  }

  #mergeOne(entry: Entry): boolean {
    if (this.items.some((item) => seqOf(item) === entry.seq)) return false;
    if (entry.role === 'user') {
      // The visitor's own message, now numbered by the server: it is already on screen.
      const own = this.items.find((item): item is Extract<Item, { kind: 'outgoing' }> => item.kind === 'outgoing' && item.seq === undefined && item.text === entry.text);
      if (own !== undefined) {
        own.seq = entry.seq;
        if (own.status !== 'sent') own.status = 'sent';
        this.#bump(own);
        return false;
      }
    }
    const item: Item = { kind: 'entry', id: `seq-${entry.seq}`, rev: 0, entry };
    this.#bump(item);
    const streamed = entry.streamId === undefined ? -1 : this.items.findIndex((i) => i.kind === 'stream' && i.streamId === entry.streamId);
    if (streamed >= 0) {
      this.items.splice(streamed, 1, item);
      return true;
    }
    // Before anything newer, and before messages still waiting to go out: those come after
    // whatever the server already has (a catch-up after being offline).
    let at = this.items.findIndex((i) => (seqOf(i) ?? -1) > entry.seq);
    if (at < 0) at = this.items.findIndex((i) => i.kind === 'outgoing' && i.seq === undefined && (i.status === 'queued' || i.status === 'failed'));
    if (at >= 0) this.items.splice(at, 0, item);
    else this.items.push(item);
    return true;
  }

  token(streamId: string, delta: string): void {
    let item = this.items.find((i): i is Extract<Item, { kind: 'stream' }> => i.kind === 'stream' && i.streamId === streamId);
    if (item === undefined) {
      item = { kind: 'stream', id: `stream-${this.#rev + 1}`, rev: 0, streamId, text: '' };
      this.items.push(item);
    }
    item.text += delta;
    this.#bump(item);
    this.#changed();
  }

  /** A stream that stopped without a final reply (the step failed or will be retried). */
  abortStream(streamId: string): void {
    const index = this.items.findIndex((i) => i.kind === 'stream' && i.streamId === streamId);
    if (index < 0) return;
    this.items.splice(index, 1);
    this.#changed();
  }

  /** Streams cut by a dropped connection: the catch-up brings their final replies. */
  dropStreams(): void {
    const before = this.items.length;
    for (let i = this.items.length - 1; i >= 0; i -= 1) if (this.items[i]!.kind === 'stream') this.items.splice(i, 1);
    if (this.items.length !== before) this.#changed();
  }

  setTyping(on: boolean): void {
    if (this.typing === on) return;
    this.typing = on;
    this.#changed();
  }
}
