import { describe, expect, it } from 'vitest';
import { countTokens, PER_MESSAGE_OVERHEAD, REPLY_PRIMING } from './token-count.js';

describe('countTokens', () => {
  it('counts nothing for no messages', () => {
    expect(countTokens([])).toBe(0);
  });

  it('counts o200k tokens of each content plus a fixed overhead per message', () => {
    // "Hello, world!" is 4 o200k_base tokens: Hello , world !
    expect(countTokens([{ role: 'user', content: 'Hello, world!' }])).toBe(4 + PER_MESSAGE_OVERHEAD + REPLY_PRIMING);
    expect(countTokens([{ role: 'system', content: '' }, { role: 'user', content: 'Hello, world!' }])).toBe(
      4 + 2 * PER_MESSAGE_OVERHEAD + REPLY_PRIMING,
    );
  });

  it('uses real tokens, not characters / 4', () => {
    const digits = '7'.repeat(400); // 400 characters; o200k groups digits in threes
    const emoji = '🙂'.repeat(100); // 200 UTF-16 units, at least one token each
    expect(countTokens([{ role: 'user', content: digits }]) - PER_MESSAGE_OVERHEAD - REPLY_PRIMING).toBe(134);
    expect(countTokens([{ role: 'user', content: emoji }]) - PER_MESSAGE_OVERHEAD - REPLY_PRIMING).toBeGreaterThanOrEqual(100);
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(countTokens([{ role: 'user', content: '<|endoftext|><|im_start|>' }])).toBeGreaterThan(PER_MESSAGE_OVERHEAD + REPLY_PRIMING + 2);
  });
});
