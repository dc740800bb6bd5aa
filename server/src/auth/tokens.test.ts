import { createHook } from 'node:async_hooks';
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { createTokenService, keysFromSecrets, type TokenServiceOptions } from './tokens.js';

const SECRET = 'current-secret-0123456789abcdefghijklmnop';
const PREVIOUS = 'previous-secret-0123456789abcdefghijklmno';
const STAGING = 'staging-secret-0123456789abcdefghijklmnopq';
const ISSUER = 'nexusflow';
const AUDIENCE = 'nexusflow-api';
const TTL = 48 * 60 * 60;
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const T0_SECONDS = T0 / 1000;

/** A controllable clock: tests move `clock.t` instead of waiting. */
function makeClock(start = T0) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

function service(overrides: Partial<TokenServiceOptions> = {}, clock = makeClock()) {
  return createTokenService({ keys: keysFromSecrets(SECRET), issuer: ISSUER, audience: AUDIENCE, now: clock.now, ...overrides });
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Builds a compact JWS by hand, so tests can produce what no library would sign. */
function craft(header: object, payload: object, signWith?: (input: string) => string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signWith ? signWith(input) : ''}`;
}

const hmac = (secret: string | Buffer) => (input: string) => createHmac('sha256', secret).update(input).digest('base64url');

const currentKid = keysFromSecrets(SECRET)[0]!.kid;

/** Claims a genuine token would carry at T0. */
function claimsAt(iatSeconds = T0_SECONDS, lifetime = TTL) {
  return { sub: 'user-1', ws: 'ws-1', purpose: 'session', iat: iatSeconds, nbf: iatSeconds, exp: iatSeconds + lifetime, iss: ISSUER, aud: AUDIENCE };
}

/**
 * Signs arbitrary claims with the real current key, as an insider could. Built by hand because
 * jsonwebtoken's sign adds an `iat` from the wall clock when the payload has none.
 */
function signRaw(payload: object, options: { kid?: string; secret?: string } = {}): string {
  return craft({ alg: 'HS256', typ: 'JWT', kid: options.kid ?? currentKid }, payload, hmac(options.secret ?? SECRET));
}

function expectRefused(result: ReturnType<ReturnType<typeof service>['verify']>, code: string) {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.code).toBe(code);
}

describe('sign', () => {
  it('issues HS256 tokens with kid, iat, nbf, exp, aud and iss from the injected clock', () => {
    const tokens = service();
    const token = tokens.sign({ sub: 'user-1', ws: 'ws-1' });
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: currentKid });
    expect(payload).toEqual({ ...claimsAt(), purpose: 'session' });
    expect(tokens.currentKid).toBe(currentKid);
  });

  it('round-trips the claims through verify', () => {
    const tokens = service();
    const result = tokens.verify(tokens.sign({ sub: 'user-1', ws: 'ws-1', purpose: 'test-chat' }));
    expect(result).toEqual({
      ok: true,
      claims: { sub: 'user-1', ws: 'ws-1', purpose: 'test-chat', iat: T0_SECONDS, exp: T0_SECONDS + TTL, kid: currentKid },
    });
  });

  it('leaves ws out when not given', () => {
    const tokens = service();
    const result = tokens.verify(tokens.sign({ sub: 'user-1' }));
    expect(result.ok && result.claims).toEqual({ sub: 'user-1', purpose: 'session', iat: T0_SECONDS, exp: T0_SECONDS + TTL, kid: currentKid });
  });

  it('allows a shorter lifetime per token but never a longer one', () => {
    const tokens = service();
    const short = tokens.verify(tokens.sign({ sub: 'u' }, { ttlSeconds: 600 }));
    expect(short.ok && short.claims.exp).toBe(T0_SECONDS + 600);
    expect(() => tokens.sign({ sub: 'u' }, { ttlSeconds: TTL + 1 })).toThrow(RangeError);
  });

  it('refuses to sign without a subject or with an unknown purpose', () => {
    const tokens = service();
    expect(() => tokens.sign({ sub: '' })).toThrow(/sub/);
    expect(() => tokens.sign({ sub: 'u', purpose: 'root' as never })).toThrow(/purpose/);
  });

  it('checks the purpose when asked', () => {
    const tokens = service();
    const testChat = tokens.sign({ sub: 'u', purpose: 'test-chat' });
    expect(tokens.verify(testChat, { purpose: 'test-chat' }).ok).toBe(true);
    expectRefused(tokens.verify(testChat, { purpose: 'session' }), 'invalid_token');
  });
});

describe('construction', () => {
  it('refuses secrets shorter than 32 bytes with a clear message', () => {
    expect(() => service({ keys: keysFromSecrets('too-short') })).toThrow(/at least 32 bytes/);
    expect(() => service({ keys: [{ kid: 'k1', secret: SECRET }, { kid: 'k2', secret: 'short', notAfter: T0 }] })).toThrow(
      /k2: JWT secret must be at least 32 bytes/,
    );
  });

  it('refuses an empty key list, duplicate or malformed kids, and an expiry on the current key', () => {
    expect(() => service({ keys: [] })).toThrow(/at least one key/);
    expect(() => service({ keys: [{ kid: 'a', secret: SECRET }, { kid: 'a', secret: PREVIOUS }] })).toThrow(/duplicate kid/);
    expect(() => service({ keys: [{ kid: '../x', secret: SECRET }] })).toThrow(/kid must match/);
    expect(() => service({ keys: [{ kid: 'a', secret: SECRET, notAfter: T0 }] })).toThrow(/cannot have notAfter/);
  });

  it('refuses a bad ttl, tolerance, issuer or audience', () => {
    expect(() => service({ ttlSeconds: 0 })).toThrow(/ttlSeconds/);
    expect(() => service({ clockToleranceSeconds: -1 })).toThrow(/clockToleranceSeconds/);
    expect(() => service({ issuer: '' })).toThrow(/issuer/);
    expect(() => service({ audience: '' })).toThrow(/audience/);
  });
});

describe('keysFromSecrets', () => {
  it('names keys by the first 8 hex characters of the secret sha256, stably', () => {
    const keys = keysFromSecrets(SECRET, { secret: PREVIOUS, until: T0 });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toEqual({ kid: expect.stringMatching(/^[0-9a-f]{8}$/), secret: SECRET });
    expect(keys[1]).toEqual({ kid: expect.stringMatching(/^[0-9a-f]{8}$/), secret: PREVIOUS, notAfter: T0 });
    expect(keys[0]!.kid).not.toBe(keys[1]!.kid);
    expect(keysFromSecrets(SECRET)[0]!.kid).toBe(keys[0]!.kid);
  });

  it('drops a previous secret equal to the current one', () => {
    expect(keysFromSecrets(SECRET, { secret: SECRET, until: T0 })).toHaveLength(1);
  });
});

describe('A-01 alg: none', () => {
  const tokens = service();

  it.each([
    ['with the current kid', { alg: 'none', typ: 'JWT', kid: currentKid }],
    ['without a kid', { alg: 'none', typ: 'JWT' }],
    ['spelled None', { alg: 'None', kid: currentKid }],
  ])('refuses an unsigned token %s', (_label, header) => {
    expectRefused(tokens.verify(craft(header, claimsAt())), 'invalid_token');
  });

  it('refuses an unsigned test-chat token', () => {
    const token = craft({ alg: 'none', kid: currentKid }, { ...claimsAt(), purpose: 'test-chat' });
    expectRefused(tokens.verify(token, { purpose: 'test-chat' }), 'invalid_token');
  });

  it('refuses alg none even with a trailing HMAC signature', () => {
    expectRefused(tokens.verify(craft({ alg: 'none', kid: currentKid }, claimsAt(), hmac(SECRET))), 'invalid_token');
  });

  it('refuses a genuine token with its signature stripped', () => {
    const [header, payload] = tokens.sign({ sub: 'user-1' }).split('.');
    expectRefused(tokens.verify(`${header}.${payload}.`), 'invalid_token');
  });
});

describe('A-02 algorithm confusion', () => {
  const tokens = service();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('refuses an RS256 token signed with a real RSA key', () => {
    const token = craft({ alg: 'RS256', typ: 'JWT', kid: currentKid }, claimsAt(), (input) =>
      createSign('RSA-SHA256').update(input).sign(rsa.privateKey).toString('base64url'),
    );
    expectRefused(tokens.verify(token), 'invalid_token');
  });

  it('refuses an ES256 token signed with a real EC key', () => {
    const token = craft({ alg: 'ES256', typ: 'JWT', kid: currentKid }, claimsAt(), (input) =>
      createSign('SHA256').update(input).sign({ key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    );
    expectRefused(tokens.verify(token), 'invalid_token');
  });

  it('refuses an HS256 token whose HMAC key is a public key PEM', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const token = craft({ alg: 'HS256', typ: 'JWT', kid: currentKid }, claimsAt(), hmac(pem));
    expectRefused(tokens.verify(token), 'invalid_token');
  });

  it('refuses an HS256 token signed with a different secret under the current kid', () => {
    const token = craft({ alg: 'HS256', typ: 'JWT', kid: currentKid }, claimsAt(), hmac('another-secret-0123456789abcdefghijklmnop'));
    const result = tokens.verify(token);
    expectRefused(result, 'invalid_token');
    expect(!result.ok && result.message).toBe('invalid signature');
  });

  it('refuses HS384 and HS512 although they are HMAC too (one pinned algorithm)', () => {
    for (const alg of ['HS384', 'HS512'] as const) {
      const token = jwt.sign(claimsAt(), SECRET, { algorithm: alg, keyid: currentKid });
      expectRefused(tokens.verify(token), 'invalid_token');
    }
  });
});

describe('A-03 time claims', () => {
  it('accepts a token until exp plus the tolerance, then answers token_expired', () => {
    const clock = makeClock();
    const tokens = service({}, clock);
    const token = tokens.sign({ sub: 'user-1' });
    clock.t = T0 + (TTL + 29) * 1000;
    expect(tokens.verify(token).ok).toBe(true);
    clock.t = T0 + (TTL + 30) * 1000;
    expectRefused(tokens.verify(token), 'token_expired');
  });

  it('answers token_not_active for nbf in the future, and accepts nbf within the tolerance', () => {
    const tokens = service();
    expectRefused(tokens.verify(signRaw({ ...claimsAt(), nbf: T0_SECONDS + 3600 })), 'token_not_active');
    expect(tokens.verify(signRaw({ ...claimsAt(), nbf: T0_SECONDS + 25 })).ok).toBe(true);
  });

  it('answers token_not_active for iat far in the future, and accepts skew within the tolerance', () => {
    const tokens = service();
    expectRefused(tokens.verify(signRaw(claimsAt(T0_SECONDS + 3600))), 'token_not_active');
    expect(tokens.verify(signRaw(claimsAt(T0_SECONDS + 25))).ok).toBe(true);
    // A server whose clock runs behind the signer's by less than the tolerance accepts its tokens.
    const clock = makeClock(T0 - 20_000);
    expect(service({}, clock).verify(service().sign({ sub: 'u' })).ok).toBe(true);
  });

  it('refuses a lifetime longer than the ttl', () => {
    const tokens = service();
    const result = tokens.verify(signRaw(claimsAt(T0_SECONDS, TTL + 3600)));
    expectRefused(result, 'token_expired');
    expect(!result.ok && result.message).toMatch(/lifetime/);
  });

  it('refuses tokens issued longer ago than the ttl even with a far exp (maxAge)', () => {
    const tokens = service();
    expectRefused(tokens.verify(signRaw(claimsAt(T0_SECONDS - TTL - 60, 10 * TTL))), 'token_expired');
  });

  it('refuses tokens without exp or iat, or with non-numeric times', () => {
    const tokens = service();
    const { exp: _exp, ...noExp } = claimsAt();
    const { iat: _iat, ...noIat } = claimsAt();
    expectRefused(tokens.verify(signRaw(noExp)), 'invalid_token');
    expectRefused(tokens.verify(signRaw(noIat)), 'invalid_token');
    expectRefused(tokens.verify(signRaw({ ...claimsAt(), exp: 'never' })), 'invalid_token');
  });

  it('lets a client refresh before expiry: a token signed later verifies later', () => {
    const clock = makeClock();
    const tokens = service({}, clock);
    const first = tokens.sign({ sub: 'user-1', ws: 'ws-1' });
    clock.t = T0 + (TTL - 60) * 1000;
    const check = tokens.verify(first);
    expect(check.ok).toBe(true);
    const refreshed = check.ok ? tokens.sign({ sub: check.claims.sub, ws: check.claims.ws }) : '';
    clock.t = T0 + (TTL + 3600) * 1000;
    expectRefused(tokens.verify(first), 'token_expired');
    expect(tokens.verify(refreshed).ok).toBe(true);
  });
});

describe('A-04 key rotation and kid abuse', () => {
  const graceEnd = T0 + 3600_000;
  const rotatedKeys = keysFromSecrets(SECRET, { secret: PREVIOUS, until: graceEnd });

  it('accepts a token of the previous key inside its grace window and refuses it after', () => {
    const clock = makeClock();
    const before = service({ keys: keysFromSecrets(PREVIOUS) }, clock);
    const after = service({ keys: rotatedKeys }, clock);
    const old = before.sign({ sub: 'user-1' });
    const fresh = after.sign({ sub: 'user-1' });
    expect(after.verify(old).ok).toBe(true);
    clock.t = graceEnd - 1;
    expect(after.verify(old).ok).toBe(true);
    clock.t = graceEnd;
    const result = after.verify(old);
    expectRefused(result, 'invalid_token');
    expect(!result.ok && result.message).toBe('signing key retired');
    expect(after.verify(fresh).ok).toBe(true);
  });

  it('signs new tokens with the current key only', () => {
    const tokens = service({ keys: rotatedKeys });
    expect(tokens.verify(tokens.sign({ sub: 'u' })).ok && tokens.currentKid).toBe(rotatedKeys[0]!.kid);
  });

  const oddKids = ['deadbeef', '../../etc/passwd', 'https://evil/', "' OR 1=1--", '__proto__', 'constructor', 'toString', '', 'x'.repeat(5000)];

  it.each(oddKids.map((kid) => [kid.slice(0, 40), kid]))('refuses kid %j without any IO', (_label, kid) => {
    const tokens = service({ keys: rotatedKeys });
    // Signed with the real current secret: only the kid is wrong.
    const token = craft({ alg: 'HS256', typ: 'JWT', kid }, claimsAt(), hmac(SECRET));
    const asyncResources: string[] = [];
    const hook = createHook({ init: (_id, type) => void asyncResources.push(type) }).enable();
    let result;
    try {
      result = tokens.verify(token);
    } finally {
      hook.disable();
    }
    // verify is synchronous and started no async resource: no fs request, socket, DNS or timer.
    expect(result).not.toBeInstanceOf(Promise);
    expect(asyncResources).toEqual([]);
    expectRefused(result, 'invalid_token');
  });

  it('refuses a non-string or missing kid', () => {
    const tokens = service();
    expectRefused(tokens.verify(craft({ alg: 'HS256', kid: 42 }, claimsAt(), hmac(SECRET))), 'invalid_token');
    expectRefused(tokens.verify(craft({ alg: 'HS256', kid: [currentKid] }, claimsAt(), hmac(SECRET))), 'invalid_token');
    expectRefused(tokens.verify(craft({ alg: 'HS256' }, claimsAt(), hmac(SECRET))), 'invalid_token');
  });
});

describe('A-05 tampered claims', () => {
  const tokens = service();

  function editPayload(token: string, edit: (payload: Record<string, unknown>) => void): string {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    edit(claims);
    return `${header}.${b64url(claims)}.${signature}`;
  }

  it.each([
    ['workspace', (p: Record<string, unknown>) => void (p.ws = 'ws-other')],
    ['subject', (p: Record<string, unknown>) => void (p.sub = 'user-admin')],
    ['role added', (p: Record<string, unknown>) => void (p.role = 'owner')],
    ['purpose', (p: Record<string, unknown>) => void (p.purpose = 'session')],
    ['expiry', (p: Record<string, unknown>) => void (p.exp = (p.exp as number) + 3600)],
  ])('refuses an edited %s with the old signature', (_label, edit) => {
    const token = tokens.sign({ sub: 'user-1', ws: 'ws-1', purpose: 'test-chat' });
    const result = tokens.verify(editPayload(token, edit));
    expectRefused(result, 'invalid_token');
    expect(!result.ok && result.message).toBe('invalid signature');
  });

  it('refuses a wrong audience or issuer', () => {
    const otherAudience = service({ audience: 'another-api' }).sign({ sub: 'user-1' });
    const otherIssuer = service({ issuer: 'someone-else' }).sign({ sub: 'user-1' });
    expectRefused(tokens.verify(otherAudience), 'invalid_token');
    expectRefused(tokens.verify(otherIssuer), 'invalid_token');
  });

  it('refuses a token issued with a staging secret, under its own kid and under ours', () => {
    const staging = service({ keys: keysFromSecrets(STAGING) }).sign({ sub: 'user-1' });
    const result = tokens.verify(staging);
    expectRefused(result, 'invalid_token');
    expect(!result.ok && result.message).toBe('unknown signing key');
    const stagingUnderOurKid = signRaw(claimsAt(), { secret: STAGING });
    expectRefused(tokens.verify(stagingUnderOurKid), 'invalid_token');
  });

  it('refuses a missing subject, a non-string ws and a missing purpose', () => {
    const { sub: _sub, ...noSub } = claimsAt();
    const { purpose: _purpose, ...noPurpose } = claimsAt();
    expectRefused(tokens.verify(signRaw(noSub)), 'invalid_token');
    expectRefused(tokens.verify(signRaw({ ...claimsAt(), sub: '' })), 'invalid_token');
    expectRefused(tokens.verify(signRaw({ ...claimsAt(), ws: { $ne: null } })), 'invalid_token');
    expectRefused(tokens.verify(signRaw(noPurpose)), 'invalid_token');
  });
});

describe('malformed input', () => {
  const tokens = service();

  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['an object', { token: 'x' }],
    ['empty', ''],
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['bad characters', 'a b.c.d'],
    ['a non-JSON header', `${b64url('not json')}.${b64url(claimsAt())}.sig`],
    ['an array header', `${b64url([1])}.${b64url(claimsAt())}.sig`],
    ['an oversized token', `${'a'.repeat(9000)}.b.c`],
  ])('answers invalid_token for %s without throwing', (_label, input) => {
    expectRefused(tokens.verify(input), 'invalid_token');
  });

  it('refuses a crit header', () => {
    expectRefused(tokens.verify(craft({ alg: 'HS256', kid: currentKid, crit: ['exp'] }, claimsAt(), hmac(SECRET))), 'invalid_token');
  });

  it('refuses a non-object payload', () => {
    expectRefused(tokens.verify(craft({ alg: 'HS256', kid: currentKid }, ['x'], hmac(SECRET))), 'invalid_token');
  });

  it('accepts a token built by hand exactly like ours (the crafting helper is faithful)', () => {
    expect(tokens.verify(craft({ alg: 'HS256', typ: 'JWT', kid: currentKid }, claimsAt(), hmac(SECRET))).ok).toBe(true);
  });
});
