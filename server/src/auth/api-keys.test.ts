import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_KEY_LENGTH, apiKeyMatches, generateApiKey, hashApiKey, looksLikeApiKey, parseApiKey } from './api-keys.js';

describe('generateApiKey', () => {
  it('makes nf_<12 alnum>_<32 alnum> keys with their prefix and sha256 hash', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^nf_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/);
    expect(key).toHaveLength(API_KEY_LENGTH);
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    expect(prefix).toMatch(/^nf_[A-Za-z0-9]{12}$/);
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
  });

  it('never repeats a prefix or secret across many keys', () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.prefix)).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.key.slice(16))).size).toBe(keys.length);
  });

  it('uses the whole base62 alphabet', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateApiKey().key.slice(16)).join(''));
    expect(seen.size).toBe(62);
  });

  it('stores nothing secret in the prefix or hash (A-10: only hashes in the store)', () => {
    const { key, prefix, hash } = generateApiKey();
    const secret = key.slice(prefix.length + 1);
    expect(prefix).not.toContain(secret);
    expect(hash).not.toContain(secret);
  });
});

describe('parseApiKey', () => {
  const { key, prefix } = generateApiKey();

  it('answers the prefix of a well-formed key', () => {
    expect(parseApiKey(key)).toEqual({ prefix });
  });

  it.each([
    ['empty', ''],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig'],
    ['one character short', key.slice(0, -1)],
    ['one character long', `${key}A`],
    ['a wrong marker', `nx_${key.slice(3)}`],
    ['a dash in the secret', `${key.slice(0, -1)}-`],
    ['an underscore in the prefix', `nf_ABCDEFGHIJK_${'a'.repeat(33)}`],
    ['whitespace around it', ` ${key.slice(1)}`],
    ['a trailing newline', `${key.slice(0, -1)}\n`],
    ['non-ASCII letters', `nf_ÀBCDEFGHIJKL_${'a'.repeat(32)}`],
    ['a huge string', `nf_${'A'.repeat(1_000_000)}`],
  ])('refuses %s', (_label, text) => {
    expect(parseApiKey(text)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(parseApiKey(undefined)).toBeUndefined();
    expect(parseApiKey({ length: API_KEY_LENGTH })).toBeUndefined();
  });
});

describe('hashApiKey / apiKeyMatches', () => {
  const { key, hash } = generateApiKey();

  it('matches the key it was made from', () => {
    expect(hashApiKey(key)).toBe(hash);
    expect(apiKeyMatches(key, hash)).toBe(true);
  });

  it('refuses another key with the same prefix (A-10 guesses)', () => {
    const guess = `${key.slice(0, 16)}${'A'.repeat(32)}`;
    expect(parseApiKey(guess)).toEqual(parseApiKey(key));
    expect(apiKeyMatches(guess, hash)).toBe(false);
  });

  it('answers false, without throwing, for malformed stored hashes of any length', () => {
    for (const stored of ['', 'abc', hash.slice(0, 63), `${hash}0`, hash.toUpperCase(), 'z'.repeat(64), undefined, null]) {
      expect(apiKeyMatches(key, stored as string)).toBe(false);
    }
  });

  it('answers false for a non-string key', () => {
    expect(apiKeyMatches(undefined as unknown as string, hash)).toBe(false);
  });
});

describe('looksLikeApiKey', () => {
  it('tells API keys from JWTs by the nf_ marker', () => {
    expect(looksLikeApiKey(generateApiKey().key)).toBe(true);
    expect(looksLikeApiKey('nf_malformed')).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig')).toBe(false);
    expect(looksLikeApiKey('')).toBe(false);
    expect(looksLikeApiKey(undefined)).toBe(false);
  });
});
