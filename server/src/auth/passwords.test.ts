import { beforeAll, describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';

const FORMAT = /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/;

describe('hashPassword / verifyPassword', () => {
  // One hash shared by the tamper cases: each scrypt run costs tens of milliseconds.
  let stored = '';
  beforeAll(async () => {
    stored = await hashPassword('correct horse battery');
  });

  it('stores scrypt$N$r$p$salt$hash with N=2^15, r=8, p=1, a 16-byte salt and a 32-byte hash', () => {
    expect(stored).toMatch(FORMAT);
    const [, , , , salt, hash] = stored.split('$');
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64')).toHaveLength(32);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const again = await hashPassword('correct horse battery');
    expect(again).not.toBe(stored);
    expect(await verifyPassword('correct horse battery', again)).toBe(true);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const composed = await hashPassword('caf\u00e9-au-lait');
    expect(await verifyPassword('cafe\u0301-au-lait', composed)).toBe(true);
  });

  it('answers false for a tampered parameter instead of throwing or hashing with it', async () => {
    const parts = stored.split('$');
    const withParam = (index: number, value: string) => parts.map((part, i) => (i === index ? value : part)).join('$');
    const tampered = [
      withParam(1, String(2 ** 14)), // weaker N: runs, mismatches
      withParam(1, String(2 ** 30)), // memory bomb: refused before scrypt
      withParam(1, '32769'), // not a power of two
      withParam(1, '0'),
      withParam(1, '-32768'),
      withParam(1, '3.2e4'),
      withParam(2, '1024'),
      withParam(3, '1000000'),
      withParam(2, '16'), // 128 * N * r = 64 MiB, inside limits: runs, mismatches
    ];
    for (const value of tampered) expect(await verifyPassword('correct horse battery', value), value).toBe(false);
  });

  it('answers false for malformed stored values', async () => {
    const [, , , , salt, hash] = stored.split('$');
    const malformed: unknown[] = [
      '',
      'scrypt',
      'scrypt$',
      `bcrypt$32768$8$1$${salt}$${hash}`,
      `scrypt$32768$8$1$${salt}`,
      `scrypt$32768$8$1$${salt}$${hash}$extra`,
      `scrypt$32768$8$1$${salt}$`,
      `scrypt$32768$8$1$$${hash}`,
      `scrypt$32768$8$1$${salt}$${hash!.slice(0, 20)}`, // hash too short
      `scrypt$32768$8$1$${salt}$${hash!.replace(/.$/, '*')}`, // not base64
      `scrypt$32768$8$1$c2hvcnQ=$${hash}`, // salt too short
      `scrypt$32768$8$1$${salt}$${hash}`.padEnd(2000, 'A'),
      undefined,
      null,
      42,
      { toString: () => stored },
    ];
    for (const value of malformed) expect(await verifyPassword('correct horse battery', value as string)).toBe(false);
  });

  it('answers false for non-string or oversized input', async () => {
    expect(await verifyPassword(undefined as unknown as string, stored)).toBe(false);
    expect(await verifyPassword('x'.repeat(10_000), stored)).toBe(false);
  });

  it('refuses to hash a non-string or oversized password', async () => {
    await expect(hashPassword('x'.repeat(10_000))).rejects.toThrow(RangeError);
    await expect(hashPassword(42 as unknown as string)).rejects.toThrow(RangeError);
  });
});

describe('checkPasswordPolicy', () => {
  it('accepts 8 to 256 characters', () => {
    expect(checkPasswordPolicy('12345678')).toBeUndefined();
    expect(checkPasswordPolicy('x'.repeat(256))).toBeUndefined();
  });

  it('names the rule that failed', () => {
    expect(checkPasswordPolicy('1234567')).toBe('password must be at least 8 characters');
    expect(checkPasswordPolicy('x'.repeat(257))).toBe('password must be at most 256 characters');
    expect(checkPasswordPolicy('          ')).toBe('password must not be only whitespace');
    expect(checkPasswordPolicy(undefined)).toBe('password must be a string');
    expect(checkPasswordPolicy(['12345678'])).toBe('password must be a string');
  });

  it('counts code points, not UTF-16 units', () => {
    expect(checkPasswordPolicy('\u{1F600}'.repeat(4))).toBe('password must be at least 8 characters');
    expect(checkPasswordPolicy('\u{1F600}'.repeat(256))).toBeUndefined();
  });
});
