import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Workspace API keys (RELIABILITY.md 4.4): `nf_<prefix>_<secret>`, shown once. The store keeps the
 * prefix (unique, the lookup key) and the sha256 of the whole key; a request is authenticated by
 * looking the row up by prefix and comparing hashes in constant time.
 *
 * Both parts are alphanumeric (base62), not base64url: `_` and `-` would make the separator
 * ambiguous and keys awkward to double-click-select.
 */

/** Marks API keys; JWTs always start with `eyJ` (base64url of `{"`), so the two never collide. */
export const API_KEY_MARKER = 'nf_';
/** 12 base62 characters, about 71 bits: unique lookups and no useful enumeration. */
export const API_KEY_PREFIX_CHARS = 12;
/** 32 base62 characters, about 190 bits of secret. */
export const API_KEY_SECRET_CHARS = 32;
/** `nf_` + prefix + `_` + secret. */
export const API_KEY_LENGTH = API_KEY_MARKER.length + API_KEY_PREFIX_CHARS + 1 + API_KEY_SECRET_CHARS;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_PATTERN = new RegExp(
  `^(${API_KEY_MARKER}[A-Za-z0-9]{${API_KEY_PREFIX_CHARS}})_[A-Za-z0-9]{${API_KEY_SECRET_CHARS}}$`,
);
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface GeneratedApiKey {
  /** The whole key; show it once, never store or log it. */
  key: string;
  /** `nf_<12 chars>`: store it, show it in lists, look keys up by it. */
  prefix: string;
  /** sha256 of the whole key, lowercase hex: the only secret-derived value the store keeps. */
  hash: string;
}

/**
 * Generates a new API key.
 *
 * @example
 * const { key, prefix, hash } = generateApiKey();
 * await store.apiKeys.create({ workspaceId, name, prefix, hash, scopes: ['chat'], role: 'editor', createdBy });
 * res.status(201).json({ key }); // the only time the key is shown
 */
export function generateApiKey(): GeneratedApiKey {
  const prefix = `${API_KEY_MARKER}${randomBase62(API_KEY_PREFIX_CHARS)}`;
  const key = `${prefix}_${randomBase62(API_KEY_SECRET_CHARS)}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/**
 * Checks the exact shape of a presented key and answers its prefix, or `undefined` for anything
 * else (wrong length, characters, marker, or a non-string). Cheap and bounded, so it runs before any
 * store lookup.
 *
 * @example
 * parseApiKey('nf_AbCdEfGh1234_' + 'x'.repeat(32)); // { prefix: 'nf_AbCdEfGh1234' }
 * parseApiKey('nf_short'); // undefined
 */
export function parseApiKey(text: unknown): { prefix: string } | undefined {
  if (typeof text !== 'string' || text.length !== API_KEY_LENGTH) return undefined;
  const match = KEY_PATTERN.exec(text);
  return match?.[1] === undefined ? undefined : { prefix: match[1] };
}

/**
 * sha256 of the whole key, lowercase hex. A fast hash is enough: the key carries ~190 random bits,
 * so there is no dictionary to slow down.
 *
 * @example
 * hashApiKey(key) === storedRow.hash;
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Compares a presented key with a stored hash in constant time. A malformed stored hash
 * answers `false`.
 *
 * @example
 * const row = await store.apiKeys.byPrefix(parsed.prefix);
 * if (!row || row.revokedAt !== undefined || !apiKeyMatches(key, row.hash)) return fail();
 */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  if (typeof key !== 'string' || typeof storedHash !== 'string' || !HASH_PATTERN.test(storedHash)) return false;
  const presented = createHash('sha256').update(key, 'utf8').digest();
  const stored = Buffer.from(storedHash, 'hex');
  // Both are 32 bytes here; timingSafeEqual throws on a length mismatch, so check anyway.
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * Tells an API key from a JWT in an `Authorization: Bearer` value by its marker, so a route can send
 * it down the API-key path (which validates the full shape and counts failures per prefix).
 *
 * @example
 * looksLikeApiKey('nf_AbCdEfGh1234_...'); // true
 * looksLikeApiKey('eyJhbGciOi...'); // false
 */
export function looksLikeApiKey(bearer: unknown): boolean {
  return typeof bearer === 'string' && bearer.startsWith(API_KEY_MARKER);
}

/** Uniform base62 by rejection sampling: bytes >= 248 are dropped so `% 62` has no bias. */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue;
      out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
