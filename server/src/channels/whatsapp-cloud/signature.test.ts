import { describe, expect, it } from 'vitest';
import { sameSecret, signatureProblem, signWebhook } from './signature.js';

const SECRET = 'test-app-secret-0123456789';

describe('X-Hub-Signature-256 (W-01, W-02)', () => {
  it('is sha256= and the hex HMAC-SHA256 of the bytes (RFC 4231-style known vector)', () => {
    expect(signWebhook('key', 'The quick brown fox jumps over the lazy dog')).toBe('sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });

  it('accepts the signature of the exact raw bytes, emoji and \\u escapes included', () => {
    const raw = Buffer.from('{"text":"h\\u00e9llo 👋 \\ud83d\\ude00","n":1.0}', 'utf8');
    expect(signatureProblem(signWebhook(SECRET, raw), raw, SECRET)).toBeUndefined();
    // Upper-case hex is the same MAC.
    expect(signatureProblem(`sha256=${signWebhook(SECRET, raw).slice(7).toUpperCase()}`, raw, SECRET)).toBeUndefined();
  });

  it('refuses a missing header, sha1=, a wrong secret, re-serialised JSON and another body, each with its reason', () => {
    const raw = Buffer.from('{"text":"h\\u00e9llo 👋","n":1.0}', 'utf8');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))), 'utf8');
    expect(reserialised.equals(raw)).toBe(false);
    expect(signatureProblem(undefined, raw, SECRET)).toBe('missing X-Hub-Signature-256 header');
    expect(signatureProblem(`sha1=${'a'.repeat(40)}`, raw, SECRET)).toBe('sha1 signature (only sha256= is accepted)');
    expect(signatureProblem('sha256=zz', raw, SECRET)).toBe('malformed X-Hub-Signature-256 header');
    expect(signatureProblem([signWebhook(SECRET, raw), signWebhook(SECRET, raw)], raw, SECRET)).toBe('more than one X-Hub-Signature-256 header');
    expect(signatureProblem(signWebhook('another-secret', raw), raw, SECRET)).toBe('signature mismatch');
    expect(signatureProblem(signWebhook(SECRET, reserialised), raw, SECRET)).toBe('signature mismatch');
    expect(signatureProblem(signWebhook(SECRET, '{"text":"other"}'), raw, SECRET)).toBe('signature mismatch');
    expect(signatureProblem(signWebhook(SECRET, raw), undefined, SECRET)).toBe('no JSON body to verify');
  });

  it('never puts the secret or the expected MAC in a reason', () => {
    const raw = Buffer.from('{}');
    const expected = signWebhook(SECRET, raw).slice('sha256='.length);
    for (const header of [undefined, 'sha1=abc', `sha256=${'0'.repeat(64)}`]) {
      const reason = signatureProblem(header, raw, SECRET) ?? '';
      expect(reason).not.toContain(SECRET);
      expect(reason).not.toContain(expected);
    }
  });

  it('compares verify tokens whatever their lengths', () => {
    expect(sameSecret('token-1', 'token-1')).toBe(true);
    expect(sameSecret('token-1', 'token-2')).toBe(false);
    expect(sameSecret('', 'token-1')).toBe(false);
    expect(sameSecret('token-1-and-more', 'token-1')).toBe(false);
  });
});
