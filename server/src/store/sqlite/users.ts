import { newId } from '../ids.js';
import type { User, UserRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { conflictOf } from './sqlite-errors.js';

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: number;
}

export function userOf(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash, createdAt: row.created_at };
}

/** Users; emails are stored lowercased, so the unique index compares them case-insensitively. */
export function sqliteUsers({ db, now }: SqliteContext): Sync<UserRepository> {
  const insert = db.prepare('INSERT INTO users (id, email, name, password_hash, created_at) VALUES (@id, @email, @name, @password_hash, @created_at)');
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?');
  return {
    create(input) {
      const row: UserRow = { id: newId(), email: input.email.toLowerCase(), name: input.name, password_hash: input.passwordHash, created_at: now() };
      try {
        insert.run(row);
      } catch (error) {
        throw conflictOf(error, { 'users.email': `the email address ${row.email} is already registered` });
      }
      return userOf(row);
    },
    byId(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : userOf(row);
    },
    byEmail(email) {
      const row = byEmail.get(email.toLowerCase());
      return row === undefined ? undefined : userOf(row);
    },
  };
}
