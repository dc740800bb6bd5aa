import type Database from 'better-sqlite3';
import { toStoreError } from './sqlite-errors.js';

/** What every repository of the SQLite store is built from. */
export interface SqliteContext {
  db: Database.Database;
  now: () => number;
}

/** A repository interface with its methods made synchronous (better-sqlite3 is synchronous). */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/**
 * The async repository over synchronous methods. Each call runs to its end before it returns, so
 * concurrent calls in one process cannot interleave, and its SQLite failures come back as `StoreError`s.
 */
export function asAsync<T>(sync: Sync<T>): T {
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(sync as Record<string, (...args: unknown[]) => unknown>)) {
    wrapped[name] = async (...args) => {
      try {
        return method(...args);
      } catch (error) {
        throw toStoreError(error);
      }
    };
  }
  return wrapped as T;
}
