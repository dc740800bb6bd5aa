import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt from node:crypto. Stored form:
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>` (the `User.passwordHash` of the store).
 *
 * The parameters travel with the hash so they can be raised later without breaking old hashes,
 * but `verifyPassword` only runs scrypt for parameters inside {@link SCRYPT_LIMITS}: a tampered row
 * with `N = 2^30` must not let anyone make the server allocate gigabytes.
 */

/** Parameters new hashes use: N = 2^15, r = 8, p = 1 (32 MiB, OWASP's scrypt baseline). */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;

/** What `verifyPassword` accepts in a stored hash; anything outside answers `false` without hashing. */
export const SCRYPT_LIMITS = {
  minN: 2 ** 14,
  maxN: 2 ** 17,
  maxR: 16,
  maxP: 4,
  /** Upper bound of scrypt's working memory, 128 * N * r bytes. */
  maxMemoryBytes: 128 * 1024 * 1024,
  minSaltBytes: 16,
  maxSaltBytes: 64,
  minHashBytes: 32,
  maxHashBytes: 64,
} as const;

/** Shortest and longest password the policy accepts, counted in Unicode code points. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/**
 * Hard cap in UTF-16 units on what is ever hashed: 256 code points fit in 512 units. Keeps a 10 MB
 * "password" from reaching scrypt even where the policy check was skipped.
 */
const MAX_INPUT_UNITS = PASSWORD_MAX_LENGTH * 2;

/**
 * Hashes a password with a fresh 16-byte salt.
 *
 * Rejects (RangeError) only input that can never be verified: a non-string or one longer than
 * {@link PASSWORD_MAX_LENGTH} code points. Length and strength rules belong to
 * {@link checkPasswordPolicy}, which routes call first.
 *
 * @example
 * const stored = await hashPassword('correct horse battery');
 * // 'scrypt$32768$8$1$<salt>$<hash>'
 */
export async function hashPassword(plain: string): Promise<string> {
  if (typeof plain !== 'string' || plain.length > MAX_INPUT_UNITS) {
    throw new RangeError(`password must be a string of at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(normalize(plain), salt, HASH_BYTES, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * Checks a password against a stored hash in constant time. Never throws: a malformed or tampered
 * stored value, a non-string input, or parameters outside {@link SCRYPT_LIMITS} answer `false`.
 *
 * @example
 * if (!(await verifyPassword(body.password, user.passwordHash))) return unauthorized();
 */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  if (typeof plain !== 'string' || plain.length > MAX_INPUT_UNITS) return false;
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  try {
    const derived = await scryptAsync(normalize(plain), parsed.salt, parsed.hash.length, parsed.params);
    return derived.length === parsed.hash.length && timingSafeEqual(derived, parsed.hash);
  } catch {
    // Only reachable if OpenSSL refuses parameters our limits let through; a refusal is a mismatch.
    return false;
  }
}

/**
 * The password policy: a string of 8 to 256 code points. Answers the message to show, or
 * `undefined` when the password is acceptable.
 *
 * @example
 * checkPasswordPolicy('short'); // 'password must be at least 8 characters'
 * checkPasswordPolicy('long enough'); // undefined
 */
export function checkPasswordPolicy(plain: unknown): string | undefined {
  if (typeof plain !== 'string') return 'password must be a string';
  // Count code points, not UTF-16 units, so an emoji counts as one character as users expect.
  const length = [...normalize(plain)].length;
  if (length < PASSWORD_MIN_LENGTH) return `password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (plain.trim() === '') return 'password must not be only whitespace';
  return undefined;
}

interface ParsedHash {
  params: { N: number; r: number; p: number };
  salt: Buffer;
  hash: Buffer;
}

/** Reads `scrypt$N$r$p$salt$hash`, or `undefined` for anything malformed or out of limits. */
function parseStoredHash(stored: unknown): ParsedHash | undefined {
  if (typeof stored !== 'string' || stored.length > 512) return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, nText, rText, pText, saltText, hashText] = parts as [string, string, string, string, string, string];
  const N = parseSmallInt(nText);
  const r = parseSmallInt(rText);
  const p = parseSmallInt(pText);
  if (N === undefined || r === undefined || p === undefined) return undefined;
  const L = SCRYPT_LIMITS;
  if (N < L.minN || N > L.maxN || (N & (N - 1)) !== 0) return undefined;
  if (r < 1 || r > L.maxR || p < 1 || p > L.maxP) return undefined;
  if (128 * N * r > L.maxMemoryBytes) return undefined;
  const salt = decodeBase64(saltText);
  const hash = decodeBase64(hashText);
  if (!salt || salt.length < L.minSaltBytes || salt.length > L.maxSaltBytes) return undefined;
  if (!hash || hash.length < L.minHashBytes || hash.length > L.maxHashBytes) return undefined;
  return { params: { N, r, p }, salt, hash };
}

function parseSmallInt(text: string): number | undefined {
  return /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : undefined;
}

/** Strict base64: Node's decoder skips junk silently, so require the canonical round trip. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** NFKC, as NIST SP 800-63B advises, so the same password typed on two keyboards matches. */
function normalize(plain: string): string {
  return plain.normalize('NFKC');
}

function scryptAsync(password: string, salt: Buffer, keylen: number, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = {
    ...params,
    // Node's default maxmem (32 MiB) is just below what N = 2^15, r = 8 needs; allow the working
    // memory plus the p-sized block buffer with room to spare. Limits above bound it.
    maxmem: 2 * 128 * params.N * params.r + 128 * params.r * params.p,
  };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
