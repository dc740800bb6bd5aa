import { randomUUID } from 'node:crypto';
import { CreditError } from '@nexusflow/nodes';
import { FLOW_FORMAT, type FlowDocument, type PluginManifest } from '@nexusflow/schemas';
import { afterAll, beforeAll, expect } from 'vitest';
import { StoreError, type StoreErrorCode } from '../errors.js';
import type { Page, Store, User, Workspace } from '../types.js';
import type { OpenStore } from './types.js';

/**
 * One store for the surrounding `describe`, opened before its tests and cleaned up after. Tests
 * share it, so each makes its own workspaces (fresh ids keep them apart).
 */
export function useStore(open: OpenStore): () => Store {
  let opened: Awaited<ReturnType<OpenStore>> | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => {
    await opened?.cleanup();
  });
  return () => {
    if (opened === undefined) throw new Error('the store is not open yet');
    return opened.store;
  };
}

/** A name no other test uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A new user and a workspace it owns. */
export async function newWorkspace(store: Store, name = 'Acme'): Promise<{ workspace: Workspace; owner: User }> {
  const owner = await store.users.create({ email: `${unique('owner')}@example.com`, name: 'Owner', passwordHash: 'scrypt$1$1$1$c2FsdA$aGFzaA' });
  const workspace = await store.workspaces.create({ name, ownerId: owner.id });
  return { workspace, owner };
}

/** A minimal valid flow document. */
export function flowDocument(id = 'draft', name = 'Support bot', extra: Partial<FlowDocument> = {}): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name,
    nodes: [{ id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} }],
    edges: [],
    ...extra,
  };
}

/** A minimal plugin manifest. */
export function pluginManifest(name: string, version = '1.0.0'): PluginManifest {
  return { name, version, main: 'dist/index.js', nodes: [{ type: 'hello', title: 'Hello', ports: ['next'], config: {}, capabilities: [] }] };
}

/** The `StoreError` `promise` rejects with, checked to carry `code`. */
export async function storeError(promise: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  return error as StoreError;
}

/** The `CreditError` `promise` rejects with. */
export async function creditError(promise: Promise<unknown>): Promise<CreditError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CreditError);
  return error as CreditError;
}

/**
 * Every item of a paged list, walking `next` cursors, with each page's size. Fails on a loop or a
 * page larger than asked.
 */
export async function walkPages<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>, limit: number): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1_000; page += 1) {
    const result = await fetch(cursor);
    expect(result.items.length).toBeLessThanOrEqual(limit);
    items.push(...result.items);
    sizes.push(result.items.length);
    if (result.next === undefined) return { items, sizes };
    cursor = result.next;
  }
  throw new Error('pagination did not end');
}

/** Checks `values` never increase (newest first). */
export function expectNonIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i += 1) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
}
