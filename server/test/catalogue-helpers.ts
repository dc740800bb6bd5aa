import { expect } from 'vitest';
import type { Store } from '../src/store/types.js';

/** Polls `probe` until it answers something, at most 1000 times and `timeoutMs` (RELIABILITY §8: bounded loops). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < deadline; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** POST a chat message over the HTTP fallback; status 0 when the connection failed (a killed server). */
export async function post(url: string, publishableKey: string, contactId: string, text: string): Promise<{ status: number; body: any; headers?: Headers }> {
  try {
    const res = await fetch(`${url}/api/v1/chat/${publishableKey}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactId, text }) });
    const raw = await res.text();
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // keep the text
    }
    return { status: res.status, body, headers: res.headers };
  } catch {
    return { status: 0, body: undefined };
  }
}

/**
 * The invariants of RELIABILITY §8 after a destructive test: sum(ledger) == balance and nothing
 * held or negative left behind (audit), no duplicate idempotency keys, every session of the
 * workspaces loads as a current record, and the server answers its health check.
 */
export async function checkInvariants(store: Store, workspaceIds: readonly string[], url: string | undefined, options: { heldAllowed?: boolean } = {}): Promise<void> {
  for (const workspaceId of workspaceIds) {
    const audit = await store.ledger.audit(workspaceId);
    expect(audit.ok, `ledger audit of ${workspaceId}: ${JSON.stringify(audit)}`).toBe(true);
    expect(audit.balance).toBe(audit.sum);
    expect(audit.balance).toBeGreaterThanOrEqual(0);
    if (options.heldAllowed !== true) expect(audit.held).toBe(0);
    const balance = await store.ledger.balance(workspaceId);
    expect(balance.available).toBeGreaterThanOrEqual(0);
    const keys = (await store.ledger.entries(workspaceId)).map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);

    let cursor: string | undefined;
    for (let page = 0; page < 100; page += 1) {
      const list = await store.sessions.list(workspaceId, { limit: 200, ...(cursor === undefined ? {} : { cursor }) });
      for (const summary of list.items) {
        const session = await store.sessions.byId(summary.id);
        const record = session?.record;
        if (record !== undefined) {
          expect(record, `session ${summary.id}`).toMatchObject({ v: 1, key: summary.id });
          expect(['idle', 'parked', 'running']).toContain(record.status);
        }
      }
      if (list.next === undefined) break;
      cursor = list.next;
    }
  }
  if (url !== undefined) {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  }
}
