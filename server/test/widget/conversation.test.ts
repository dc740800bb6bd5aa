import { describe, expect, it } from 'vitest';
import { Conversation } from '../../src/widget/client/conversation.js';
import { describeFailure } from '../../src/widget/client/failure-text.js';
import { readEntries, type Entry } from '../../src/widget/client/protocol.js';

/** The widget's conversation model (no DOM): ordering, de-duplication and streams. */

const bot = (seq: number, text: string, extra: Partial<Entry> = {}): Entry => ({ seq, role: 'bot', text, at: seq, ...extra });
const user = (seq: number, text: string): Entry => ({ seq, role: 'user', text, at: seq });

const texts = (c: Conversation) =>
  c.items.map((item) => (item.kind === 'entry' ? `${item.entry.role}:${item.entry.text}` : item.kind === 'outgoing' ? `me(${item.status}${item.seq === undefined ? '' : `#${item.seq}`}):${item.text}` : `stream:${item.text}`));

describe('the widget conversation model', () => {
  it('shows each entry once whether it comes as a reply event, in an ack, in history or in a catch-up', () => {
    const c = new Conversation();
    c.addOutgoing('m1', 'hi');
    c.setStatus('m1', 'sending');
    expect(c.merge([bot(2, 'hello!')])).toHaveLength(1);
    c.setStatus('m1', 'sent');
    expect(c.merge([bot(2, 'hello!')])).toHaveLength(0);
    // The catch-up numbers the visitor's own message instead of drawing it twice.
    expect(c.merge([user(1, 'hi'), bot(2, 'hello!')])).toHaveLength(0);
    expect(texts(c)).toEqual(['me(sent#1):hi', 'bot:hello!']);
    expect(c.lastSeq()).toBe(2);
  });

  it('puts what the server had before messages still waiting to go out, and older history above', () => {
    const c = new Conversation();
    c.merge([user(1, 'hello'), bot(2, 'hi there')]);
    c.addOutgoing('m2', 'are you there?');
    c.merge([user(3, 'from another tab'), bot(4, 'answer to the other tab')]);
    expect(texts(c)).toEqual(['user:hello', 'bot:hi there', 'user:from another tab', 'bot:answer to the other tab', 'me(queued):are you there?']);
    c.setStatus('m2', 'sending');
    c.merge([bot(6, 'yes!')]);
    expect(texts(c).at(-1)).toBe('bot:yes!');
    // An older page of history slots in by seq.
    const d = new Conversation();
    d.merge([bot(5, 'five'), bot(7, 'seven')]);
    d.merge([bot(6, 'six'), bot(1, 'one')]);
    expect(texts(d)).toEqual(['bot:one', 'bot:five', 'bot:six', 'bot:seven']);
  });

  it('grows a streamed bubble token by token and replaces it with the final reply in place', () => {
    const c = new Conversation();
    c.addOutgoing('m1', 'question');
    c.setStatus('m1', 'sending');
    c.token('s1', 'Hel');
    c.token('s1', 'lo');
    expect(c.isStreaming()).toBe(true);
    expect(texts(c)).toEqual(['me(sending):question', 'stream:Hello']);
    c.merge([bot(2, 'Hello.', { streamId: 's1' })]);
    expect(texts(c)).toEqual(['me(sending):question', 'bot:Hello.']);
    expect(c.isStreaming()).toBe(false);
    c.token('s2', 'cut off');
    c.abortStream('s2');
    c.token('s3', 'dropped with the line');
    c.dropStreams();
    expect(texts(c)).toEqual(['me(sending):question', 'bot:Hello.']);
  });

  it('offers quick replies only while their message is the last one', () => {
    const c = new Conversation();
    c.merge([bot(1, 'pick one', { buttons: [{ title: 'A', payload: 'a' }] })]);
    expect(c.activeButtons()?.buttons).toEqual([{ title: 'A', payload: 'a' }]);
    c.addOutgoing('m1', 'A', 'a');
    expect(c.activeButtons()).toBeUndefined();
  });

  it('keeps only well-formed entries from the server, and says failures in the visitor\'s words', () => {
    expect(readEntries([bot(1, 'ok'), { seq: 'x' }, { seq: 2, role: 'hacker', text: 'no' }, { seq: 3, role: 'bot', text: 'img', at: 1, media: { url: 'https://x/y.png', type: 'exe' }, buttons: [{ title: 1 }, { title: 'B' }] }])).toEqual([
      bot(1, 'ok'),
      { seq: 3, role: 'bot', text: 'img', at: 1, media: { url: 'https://x/y.png' }, buttons: [{ title: 'B' }] },
    ]);
    expect(describeFailure({ code: 'insufficient_credits', status: 402, message: 'x' })).toContain('out of credits');
    expect(describeFailure({ code: 'rate_limited', status: 429, message: 'x' })).toBe('You are sending messages too quickly. Wait a moment, then try again.');
    expect(describeFailure({ code: 'invalid_message', status: 400, message: 'message.text must be a string' })).toBe('Message.text must be a string.');
  });
});
