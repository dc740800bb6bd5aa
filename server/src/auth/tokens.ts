import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * Session tokens: HS256 JWTs over jsonwebtoken 9, with key rotation by `kid` (RELIABILITY.md 4.1).
 *
 * Rules this module keeps:
 * - `verify` pins `algorithms: ['HS256']`, audience and issuer, and reads the time from the injected
 *   clock, so `alg: none`, RS/ES headers and algorithm confusion never reach a key.
 * - The key is found by `kid` in an in-memory `Map` built at construction: no file, URL or query is
 *   ever built from a header value.
 * - The header is parsed here only to pick the key; claims are trusted only after `jwt.verify`
 *   checked the signature. `jwt.decode` is not used.
 * - The workspace id in a token (`ws`) is a hint: routes scope every query by the workspace of the
 *   authenticated principal, looked up from the membership table.
 *
 * Times: the clock and `notAfter` are epoch milliseconds like the rest of the server; JWT claims
 * (`iat`, `nbf`, `exp`) are epoch seconds as RFC 7519 requires.
 */

/** What a token is for: a builder session, or a short-lived token for the editor's test chat. */
export type TokenPurpose = 'session' | 'test-chat';

/** One HMAC key. The first key of a service signs; the others only verify, until `notAfter`. */
export interface TokenKey {
  /** Key id written to the header; `[A-Za-z0-9._-]{1,64}`. */
  kid: string;
  /** HMAC secret, at least 32 bytes (UTF-8). */
  secret: string;
  /** Epoch ms after which tokens signed with this key are refused (end of the rotation grace window). */
  notAfter?: number;
}

export interface TokenServiceOptions {
  /** Current key first, then previous keys still inside their grace window. */
  keys: readonly TokenKey[];
  issuer: string;
  audience: string;
  /** Lifetime of issued tokens and the longest lifetime accepted; default 48 h. */
  ttlSeconds?: number;
  /** Clock skew allowed on `exp`, `nbf` and `iat`; default 30 s. */
  clockToleranceSeconds?: number;
  /** Epoch milliseconds; injected by tests. */
  now?: () => number;
}

/** What a caller asks to put into a token. */
export interface TokenClaimsInput {
  /** User id. */
  sub: string;
  /** Workspace hint (the last one the user worked in); never used for authorization by itself. */
  ws?: string;
  /** Default `session`. */
  purpose?: TokenPurpose;
}

/** The claims of a token whose signature, key, audience, issuer and times all checked out. */
export interface VerifiedClaims {
  sub: string;
  ws?: string;
  purpose: TokenPurpose;
  /** Epoch seconds. */
  iat: number;
  /** Epoch seconds; sockets disconnect when it passes. */
  exp: number;
  /** The key that signed the token. */
  kid: string;
}

export type TokenErrorCode = 'invalid_token' | 'token_expired' | 'token_not_active';

export type VerifyResult =
  | { ok: true; claims: VerifiedClaims }
  | { ok: false; code: TokenErrorCode; message: string };

export interface TokenService {
  /**
   * Signs a token with the current key. `ttlSeconds` may shorten the lifetime (test-chat tokens),
   * never lengthen it past the service's ttl.
   */
  sign(claims: TokenClaimsInput, options?: { ttlSeconds?: number }): string;
  /**
   * Verifies a token. Never throws. Pass `purpose` to refuse tokens minted for something else
   * (a test-chat token presented as a session token).
   */
  verify(token: unknown, options?: { purpose?: TokenPurpose }): VerifyResult;
  /** The id of the key that signs new tokens. */
  readonly currentKid: string;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 48 * 60 * 60;
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** Shortest HMAC secret accepted: 256 bits, the HS256 output size (RFC 7518 3.2). */
export const MIN_SECRET_BYTES = 32;

/** Longer than any token we issue by far; refuses megabyte headers before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
const MAX_SUB_LENGTH = 256;
const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const PURPOSES: readonly TokenPurpose[] = ['session', 'test-chat'];

interface LoadedKey {
  kid: string;
  key: KeyObject;
  notAfter: number | undefined;
}

/**
 * Creates the token service. Throws at construction on a bad configuration (no keys, short secret,
 * duplicate or malformed kid, an expiry on the current key), so a misconfigured server fails to start
 * instead of issuing weak tokens.
 *
 * @example
 * const tokens = createTokenService({
 *   keys: keysFromSecrets(env.JWT_SECRET),
 *   issuer: 'nexusflow', audience: 'nexusflow-api',
 * });
 * const token = tokens.sign({ sub: user.id, ws: workspace.id });
 * const result = tokens.verify(token);
 * if (!result.ok) return res.status(401).json({ error: result.code, message: result.message });
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now;
  const { issuer, audience } = options;

  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  if (!Number.isSafeInteger(tolerance) || tolerance < 0 || tolerance >= ttl) {
    throw new RangeError('clockToleranceSeconds must be a non-negative integer below ttlSeconds');
  }
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('issuer must be a non-empty string');
  if (typeof audience !== 'string' || audience === '') throw new TypeError('audience must be a non-empty string');

  const keys = loadKeys(options.keys);
  const current = keys.values().next().value as LoadedKey;

  const nowSeconds = (): number => Math.floor(now() / 1000);

  function sign(claims: TokenClaimsInput, signOptions?: { ttlSeconds?: number }): string {
    const lifetime = signOptions?.ttlSeconds ?? ttl;
    if (!Number.isSafeInteger(lifetime) || lifetime <= 0 || lifetime > ttl) {
      throw new RangeError(`ttlSeconds must be a positive integer of at most ${ttl}`);
    }
    if (!isValidSub(claims.sub)) throw new TypeError('sub must be a non-empty string');
    if (claims.ws !== undefined && typeof claims.ws !== 'string') throw new TypeError('ws must be a string');
    const purpose = claims.purpose ?? 'session';
    if (!PURPOSES.includes(purpose)) throw new TypeError(`purpose must be one of ${PURPOSES.join(', ')}`);

    const iat = nowSeconds();
    // iat, nbf and exp are set here rather than through expiresIn, so they come from the injected
    // clock; jsonwebtoken would otherwise read Date.now().
    const payload: Record<string, unknown> = { sub: claims.sub, purpose, iat, nbf: iat, exp: iat + lifetime };
    if (claims.ws !== undefined) payload.ws = claims.ws;
    return jwt.sign(payload, current.key, { algorithm: 'HS256', keyid: current.kid, issuer, audience });
  }

  function verify(token: unknown, verifyOptions?: { purpose?: TokenPurpose }): VerifyResult {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
      return invalid('malformed token');
    }
    const header = readHeader(token);
    if (!header) return invalid('malformed token header');
    if (header.alg !== 'HS256') return invalid('unsupported token algorithm');
    // A `crit` header names extensions we would have to understand (RFC 7515 4.1.11); we support none.
    if ('crit' in header) return invalid('unsupported critical header');
    if (typeof header.kid !== 'string') return invalid('token has no key id');

    // Map lookup only: `__proto__`, paths, URLs and SQL are just strings that are not keys.
    const key = keys.get(header.kid);
    if (!key) return invalid('unknown signing key');
    const nowMs = now();
    if (key.notAfter !== undefined && nowMs >= key.notAfter) return invalid('signing key retired');

    const clockTimestamp = Math.floor(nowMs / 1000);
    let payload: unknown;
    try {
      payload = jwt.verify(token, key.key, {
        algorithms: ['HS256'],
        audience,
        issuer,
        clockTimestamp,
        clockTolerance: tolerance,
        maxAge: ttl,
      });
    } catch (error) {
      return fromJwtError(error);
    }

    if (!isRecord(payload)) return invalid('token payload is not an object');
    const { sub, ws, purpose, iat, exp } = payload;
    if (!isValidSub(sub)) return invalid('token has no subject');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return invalid('token has no issue time');
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return invalid('token has no expiry');
    if (iat > clockTimestamp + tolerance) {
      return { ok: false, code: 'token_not_active', message: 'token issued in the future' };
    }
    if (exp - iat > ttl) {
      // Expired rather than invalid: a token minted before the ttl was lowered is genuine, and
      // the client's answer to it is the same as to an expired one (sign in again).
      return { ok: false, code: 'token_expired', message: 'token lifetime exceeds the maximum' };
    }
    if (ws !== undefined && typeof ws !== 'string') return invalid('token workspace hint is not a string');
    if (typeof purpose !== 'string' || !PURPOSES.includes(purpose as TokenPurpose)) return invalid('token has no valid purpose');
    if (verifyOptions?.purpose !== undefined && purpose !== verifyOptions.purpose) {
      return invalid(`token is not a ${verifyOptions.purpose} token`);
    }

    const claims: VerifiedClaims = { sub, purpose: purpose as TokenPurpose, iat, exp, kid: key.kid };
    if (typeof ws === 'string') claims.ws = ws;
    return { ok: true, claims };
  }

  return { sign, verify, currentKid: current.kid };
}

/**
 * Builds the key list from secrets (for example `JWT_SECRET` and, while rotating,
 * `JWT_PREVIOUS_SECRET` until `JWT_PREVIOUS_UNTIL`). Each kid is the first 8 hex characters of the
 * secret's sha256, so the same secret gets the same kid on every restart and every replica, and a
 * token signed by another environment's secret is refused as an unknown key.
 *
 * A previous secret equal to the current one is dropped.
 *
 * @example
 * keysFromSecrets(env.JWT_SECRET, { secret: env.JWT_PREVIOUS_SECRET, until: Date.parse('2025-07-01') });
 * // [{ kid: '3f2a9c01', secret: ... }, { kid: '77b0e4d2', secret: ..., notAfter: 1751328000000 }]
 */
export function keysFromSecrets(current: string, previous?: { secret: string; until: number }): TokenKey[] {
  const keys: TokenKey[] = [{ kid: secretFingerprint(current), secret: current }];
  if (previous && previous.secret !== current) {
    keys.push({ kid: secretFingerprint(previous.secret), secret: previous.secret, notAfter: previous.until });
  }
  return keys;
}

/** First 8 hex characters of sha256(secret); 32 bits name the key without helping to guess it. */
function secretFingerprint(secret: string): string {
  if (typeof secret !== 'string') throw new TypeError('secret must be a string');
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8);
}

function loadKeys(input: readonly TokenKey[]): Map<string, LoadedKey> {
  if (!Array.isArray(input) || input.length === 0) throw new TypeError('token service needs at least one key');
  const keys = new Map<string, LoadedKey>();
  input.forEach((entry, index) => {
    const { kid, secret, notAfter } = entry;
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) {
      throw new TypeError(`key ${index}: kid must match ${KID_PATTERN.source}`);
    }
    if (keys.has(kid)) throw new TypeError(`key ${index}: duplicate kid ${kid}`);
    if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
      throw new RangeError(
        `key ${kid}: JWT secret must be at least ${MIN_SECRET_BYTES} bytes; generate one with \`openssl rand -base64 48\``,
      );
    }
    if (index === 0 && notAfter !== undefined) {
      throw new TypeError(`key ${kid}: the current (first) key signs new tokens and cannot have notAfter`);
    }
    if (notAfter !== undefined && !Number.isFinite(notAfter)) throw new TypeError(`key ${kid}: notAfter must be epoch milliseconds`);
    keys.set(kid, { kid, key: createSecretKey(Buffer.from(secret, 'utf8')), notAfter });
  });
  return keys;
}

/** Parses the JOSE header of a compact JWS to choose a key; nothing in it is trusted beyond that. */
function readHeader(token: string): Record<string, unknown> | undefined {
  const encoded = token.slice(0, token.indexOf('.'));
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return isRecord(header) ? header : undefined;
  } catch {
    return undefined;
  }
}

function fromJwtError(error: unknown): VerifyResult {
  if (error instanceof jwt.TokenExpiredError) return { ok: false, code: 'token_expired', message: 'token expired' };
  if (error instanceof jwt.NotBeforeError) return { ok: false, code: 'token_not_active', message: 'token not yet active' };
  // jsonwebtoken's messages name the failed check ("invalid signature", "jwt audience invalid ...")
  // and never contain token material, so they are safe to return and log.
  return invalid(error instanceof Error ? error.message : 'token rejected');
}

function invalid(message: string): VerifyResult {
  return { ok: false, code: 'invalid_token', message };
}

function isValidSub(sub: unknown): sub is string {
  return typeof sub === 'string' && sub.length > 0 && sub.length <= MAX_SUB_LENGTH;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
