import { describe, expect, it } from 'vitest';
import { contactLabel, shortValue, varsPreview } from './contact-vars.js';

describe('contact variables', () => {
  it('previews the first variables by name, each on one short line, with how many more there are', () => {
    const preview = varsPreview({ plan: 'pro', email: 'ada@example.com', orders: [1, 2], zip: '1000', name: 'Ada' });
    expect(preview.pairs).toEqual([
      { name: 'email', value: 'ada@example.com' },
      { name: 'name', value: 'Ada' },
      { name: 'orders', value: '[1,2]' },
    ]);
    expect(preview.more).toBe(2);
    expect(varsPreview({})).toEqual({ pairs: [], more: 0 });
  });

  it('cuts long values and names a contact by name, else by their id on the channel', () => {
    expect(shortValue('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(shortValue({ a: 1 })).toBe('{"a":1}');
    expect(contactLabel({ name: 'Ada', externalId: '4930123@c.us' })).toBe('Ada');
    expect(contactLabel({ name: ' ', externalId: '4930123@c.us' })).toBe('4930123@c.us');
    expect(contactLabel({ externalId: '4930123@c.us' })).toBe('4930123@c.us');
  });
});
