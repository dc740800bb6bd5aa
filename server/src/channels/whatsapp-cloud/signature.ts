import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Meta's header carrying the webhook body's signature. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

/**
 * The `X-Hub-Signature-256` value Meta sends: `sha256=` and the hex HMAC-SHA256 of the raw body
 * bytes under the app secret. Tests (and the fake Graph API) sign with this.
 */
export function signWebhook(appSecret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Why a webhook's signature is refused, or `undefined` when it is good. The MAC is computed over
 * the bytes as received (re-serialised JSON would differ: W-01, W-02) and compared in constant time.
 * The reason never contains the secret or the expected MAC.
 */
export function signatureProblem(header: string | string[] | undefined, rawBody: Buffer | undefined, appSecret: string): string | undefined {
  if (header === undefined) return 'missing X-Hub-Signature-256 header';
  if (Array.isArray(header)) return 'more than one X-Hub-Signature-256 header';
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (match === null) return header.startsWith('sha1=') ? 'sha1 signature (only sha256= is accepted)' : 'malformed X-Hub-Signature-256 header';
  if (rawBody === undefined) return 'no JSON body to verify';
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(given, expected) ? undefined : 'signature mismatch';
}

/** Compares two secrets in constant time (their hashes have the same length whatever they are). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
