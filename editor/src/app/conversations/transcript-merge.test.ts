import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../../api/index.js';
import { entryFromEvent, mergeEntries } from './transcript-merge.js';

const entry = (seq: number, role: TranscriptEntry['role'], text: string): TranscriptEntry => ({ seq, role, text, at: seq * 1000 });

describe('live transcript entries', () => {
  it('reads message and reply events, with buttons and media as payload, and rejects anything else', () => {
    expect(entryFromEvent({ seq: 3, role: 'user', text: 'hi', at: 5 })).toEqual({ seq: 3, role: 'user', text: 'hi', at: 5 });
    expect(entryFromEvent({ seq: 4, role: 'bot', text: 'Pick one', at: 6, buttons: [{ title: 'Yes' }], streamId: 's1' })).toEqual({ seq: 4, role: 'bot', text: 'Pick one', at: 6, payload: { buttons: [{ title: 'Yes' }] } });
    expect(entryFromEvent({ seq: 5, role: 'operator', text: 'A person here', at: 7 })?.role).toBe('operator');
    for (const bad of [null, 'text', { role: 'bot', text: 'x' }, { seq: 1, role: 'robot', text: 'x' }, { seq: 1, role: 'bot' }]) expect(entryFromEvent(bad)).toBeUndefined();
  });

  it('folds live entries into the fetched ones: one per seq, in order', () => {
    const fetched = [entry(1, 'user', 'hello'), entry(2, 'bot', 'Hi!')];
    const live = [entry(4, 'operator', 'Ada here'), entry(2, 'bot', 'Hi!'), entry(3, 'user', 'I need a person')];
    expect(mergeEntries(fetched, live).map((e) => `${e.seq}:${e.role}:${e.text}`)).toEqual(['1:user:hello', '2:bot:Hi!', '3:user:I need a person', '4:operator:Ada here']);
    expect(mergeEntries(fetched, [])).toEqual(fetched);
  });
});
