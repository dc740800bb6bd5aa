import { randomBytes } from 'node:crypto';

/** A new id: 128 random bits in base64url (22 characters), so ids cannot be guessed. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}
