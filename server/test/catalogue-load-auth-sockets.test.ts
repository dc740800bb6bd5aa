import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow, flowOf, startTestServer, type TestServer } from './harness.js';
import { handshakeOutcome, once, randomContactId, requestFrom, sleep, socketPool } from './load-auth-helpers.js';

/**
 * RELIABILITY.md §9, auth and tenancy on sockets and keys: A-08 (expiry and recovery on long-lived
 * sockets), A-09 (handshake hygiene), A-10 (API key brute force), A-12 (widget anonymity). Real
 * servers in this process on 127.0.0.1 with SQLite in temp directories; every loop has a count and
 * a deadline; assertions are on outcomes, never on elapsed time.
 */

const echo = flowOf('echo', [{ id: 'echo', type: 'core/reply', config: { text: 'You said: {{ message.text }}' } }]);
const BASE64URL_128 = /^[A-Za-z0-9_-]{22}$/;

async function workspaceWithOwner(server: TestServer, label: string) {
  const user = await server.ctx.store.users.create({ email: `${label}-${randomBytes(4).toString('hex')}@example.com`, name: label, passwordHash: 'x' });
  const workspace = await server.ctx.store.workspaces.create({ name: label, ownerId: user.id });
  return { userId: user.id, workspaceId: workspace.id };
}

describe('A-08 expiry and connection-state recovery on a studio socket (injected clock)', () => {
  let server: TestServer;
  let offsetMs = 0;
  const pool = socketPool(() => server.url);
  let userId: string;
  let workspaceId: string;
  let sessionId: string;

  beforeAll(async () => {
    server = await startTestServer({}, { now: () => Date.now() + offsetMs });
    ({ userId, workspaceId } = await workspaceWithOwner(server, 'a08'));
    const deployment = await deployFlow(server, workspaceId, echo);
    sessionId = (await server.ctx.chat.send(deployment, 'web', randomContactId(), { text: 'hello' })).sessionId;
  }, 60_000);

  afterAll(async () => {
    pool.closeAll();
    await server?.stop();
  });

  /** Past the token's exp plus the service's 30 s clock tolerance. */
  const expire = () => {
    offsetMs += 2_000 + 30_000 + 1_000;
  };

  it('keeps answering watch events until the clock passes expiry; the next event gets auth_expired and a server disconnect; the expired token cannot reconnect', async () => {
    const token = server.ctx.tokens.sign({ sub: userId }, { ttlSeconds: 2 });
    const studio = pool.open('/studio', { auth: { token } });
    await once(studio, 'connect');
    const expired = once<{ code: string; message: string }>(studio, 'auth_expired');
    const disconnected = once<string>(studio, 'disconnect');
    const acks: unknown[] = [];
    let rejectedAt = -1;
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < 20 && Date.now() < deadline; i += 1) {
      if (i === 5) expire();
      if (i < 5) {
        acks.push(await studio.timeout(5000).emitWithAck('watch', { workspaceId, sessionId }));
        continue;
      }
      // After expiry the server answers no ack: it emits auth_expired and disconnects.
      let acked = false;
      studio.emit('watch', { workspaceId, sessionId }, () => void (acked = true));
      expect(await expired).toEqual({ code: 'token_expired', message: 'your sign-in expired; sign in again' });
      expect(await disconnected).toBe('io server disconnect');
      expect(acked).toBe(false);
      rejectedAt = i;
      break;
    }
    expect(rejectedAt).toBe(5);
    expect(acks).toHaveLength(5);
    for (const ack of acks) expect(ack).toMatchObject({ ok: true, trace: expect.arrayContaining([expect.objectContaining({ event: expect.objectContaining({ type: 'turn.ended' }) })]) });
    expect(studio.connected).toBe(false);

    // The same token on a fresh handshake: refused in the middleware.
    const again = pool.open('/studio', { auth: { token } });
    expect(await handshakeOutcome(again)).toEqual({ kind: 'connect_error', message: 'token expired' });
    // A token that never was valid gets the generic answer.
    const forged = pool.open('/studio', { auth: { token: `${token.slice(0, -4)}AAAA` } });
    expect(await handshakeOutcome(forged)).toEqual({ kind: 'connect_error', message: 'unauthorized' });
  });

  it('a dropped engine connection reconnects through the auth middleware: fine while the token is valid, refused with "token expired" once it is not', async () => {
    const token = server.ctx.tokens.sign({ sub: userId }, { ttlSeconds: 2 });
    const studio = pool.open('/studio', { auth: { token }, reconnection: true, reconnectionAttempts: 3, reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 });
    await once(studio, 'connect');
    // Connection-state recovery is on (the server handed out a recovery id) ...
    expect(typeof (studio as unknown as { _pid?: unknown })._pid).toBe('string');
    expect(await studio.timeout(5000).emitWithAck('watch', { workspaceId, sessionId })).toMatchObject({ ok: true });

    // Drop the transport (the server sees "transport close", a recoverable reason).
    const reconnected = once(studio, 'connect');
    studio.io.engine.close();
    await reconnected;
    // ... but nothing in /studio is broadcast, so the client never holds a packet offset and the
    // server cannot restore the session: every reconnect is a fresh handshake through the
    // middleware. The watch has to be sent again, and it works.
    expect(studio.recovered).toBe(false);
    expect(await studio.timeout(5000).emitWithAck('watch', { workspaceId, sessionId })).toMatchObject({ ok: true });

    // The token expires while the engine is down: the reconnect (which presents the recovery id)
    // runs the middleware and is refused; the client does not get back in.
    expire();
    const refused = once<Error>(studio, 'connect_error');
    let connectedAgain = false;
    studio.once('connect', () => void (connectedAgain = true));
    studio.io.engine.close();
    expect((await refused).message).toBe('token expired');
    await sleep(300);
    expect(connectedAgain).toBe(false);
    expect(studio.connected).toBe(false);
  });
});

describe('A-09 handshake hygiene and A-12 widget anonymity', () => {
  let server: TestServer;
  const pool = socketPool(() => server.url);
  let userId: string;
  let workspaceId: string;
  let publishableKey: string;

  beforeAll(async () => {
    server = await startTestServer({ LOG_LEVEL: 'debug' });
    ({ userId, workspaceId } = await workspaceWithOwner(server, 'a09'));
    publishableKey = (await deployFlow(server, workspaceId, echo)).publishableKey;
  }, 60_000);

  afterAll(async () => {
    pool.closeAll();
    await server?.stop();
  });

  it('A-09: no credentials, credentials only in the query string, and a 1 MB auth object are all refused; the logs hold no token material', async () => {
    const token = server.ctx.tokens.sign({ sub: userId });
    const contactId = randomContactId();
    const outcomes: Record<string, Awaited<ReturnType<typeof handshakeOutcome>>> = {};
    for (const transport of ['websocket', 'polling'] as const) {
      const transports = [transport];
      outcomes[`studio none ${transport}`] = await handshakeOutcome(pool.open('/studio', { transports }));
      outcomes[`chat none ${transport}`] = await handshakeOutcome(pool.open('/chat', { transports }));
      outcomes[`studio query ${transport}`] = await handshakeOutcome(pool.open('/studio', { transports, query: { token } }));
      outcomes[`chat query ${transport}`] = await handshakeOutcome(pool.open('/chat', { transports, query: { publishableKey, contactId } }));
      outcomes[`studio 10KB ${transport}`] = await handshakeOutcome(pool.open('/studio', { transports, auth: { token, pad: 'x'.repeat(10_000) } }));
      outcomes[`chat 10KB ${transport}`] = await handshakeOutcome(pool.open('/chat', { transports, auth: { publishableKey, contactId, pad: 'x'.repeat(10_000) } }));
      outcomes[`studio 1MB ${transport}`] = await handshakeOutcome(pool.open('/studio', { transports, auth: { token, pad: 'x'.repeat(1024 * 1024) } }));
      outcomes[`chat 1MB ${transport}`] = await handshakeOutcome(pool.open('/chat', { transports, auth: { publishableKey, contactId, pad: 'x'.repeat(1024 * 1024) } }));
    }
    for (const transport of ['websocket', 'polling']) {
      for (const ns of ['studio', 'chat']) {
        expect(outcomes[`${ns} none ${transport}`], `${ns} none ${transport}`).toEqual({ kind: 'connect_error', message: 'unauthorized' });
        expect(outcomes[`${ns} query ${transport}`], `${ns} query ${transport}`).toEqual({ kind: 'connect_error', message: 'unauthorized' });
        // Under maxHttpBufferSize (64 KB) the middleware sees the object and says why.
        expect(outcomes[`${ns} 10KB ${transport}`], `${ns} 10KB ${transport}`).toEqual({ kind: 'connect_error', message: 'too large' });
      }
    }
    // 1 MB never reaches the middleware: engine.io refuses the packet (maxHttpBufferSize 64 KB).
    // WebSocket: the server closes the connection; polling: the POST gets 413.
    for (const ns of ['studio', 'chat']) {
      expect(outcomes[`${ns} 1MB websocket`], `${ns} 1MB websocket`).toEqual({ kind: 'disconnect', message: 'transport close' });
      expect(outcomes[`${ns} 1MB polling`], `${ns} 1MB polling`).toEqual({ kind: 'connect_error', message: 'xhr post error' });
    }
    // The right credentials in the right place do connect (the refusals above are not an outage).
    const good = pool.open('/studio', { auth: { token } });
    expect(await handshakeOutcome(good)).toEqual({ kind: 'connected', message: '' });
    // A REST call carrying the token in its header is logged (debug level), with the header redacted.
    expect((await server.request('GET', '/api/v1/me', { token })).status).toBe(200);
    await sleep(50);
    const logs = server.logs.join('\n');
    expect(logs).toContain('/api/v1/me');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    for (const part of [token, payload, signature, `${header}.${payload}`]) expect(logs).not.toContain(part);
    expect(logs).not.toContain(contactId);
  });

  it('A-12: a widget asking for history with 100 guessed and 5 lifted ids only ever gets its own; answers do not tell existing ids from unknown ones; ids are 128-bit random', async () => {
    const c1 = randomContactId();
    const c2 = randomContactId();
    const s1 = pool.chat(publishableKey, c1);
    const s2 = pool.chat(publishableKey, c2);
    await Promise.all([once(s1, 'ready'), once(s2, 'ready')]);
    for (const text of ['one: my order', 'one: my address']) expect(await s1.timeout(5000).emitWithAck('message', { text })).toMatchObject({ ok: true });
    for (const text of ['TWO-SECRET alpha', 'TWO-SECRET beta']) expect(await s2.timeout(5000).emitWithAck('message', { text })).toMatchObject({ ok: true });

    const own = (await s1.timeout(5000).emitWithAck('history', {})) as { ok: boolean; history: { role: string; text: string }[] };
    expect(own.history.map((h) => `${h.role}:${h.text}`)).toEqual(['user:one: my order', 'bot:You said: one: my order', 'user:one: my address', 'bot:You said: one: my address']);

    // What an attacker could lift from contact 2's transcript and session rows.
    const contact2 = (await server.ctx.store.contacts.upsert(workspaceId, 'web', c2, Date.now()))!;
    const session2 = (await server.ctx.chat.open((await server.ctx.store.deployments.byPublishableKey(publishableKey))!, 'web', c2))!;
    const entries2 = await server.ctx.store.transcripts.list(workspaceId, session2.id, { limit: 100 });
    expect(entries2.map((e) => e.text)).toContain('TWO-SECRET alpha');
    const userKeys = entries2.filter((e) => e.role === 'user').map((e) => e.key.split('/').at(-1)!);
    const lifted = [session2.id, contact2.id, userKeys[0]!, userKeys[1]!, session2.deploymentId];
    expect(new Set(lifted).size).toBe(5);
    expect(lifted.every((id) => /^[A-Za-z0-9_-]{16,64}$/.test(id))).toBe(true);
    // Sequential-looking guesses, and neighbours of contact 2's real ids (one middle character changed).
    const neighbour = (id: string, i: number) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.replace(id[10]!, '');
      return `${id.slice(0, 10)}${alphabet[i]}${id.slice(11)}`;
    };
    const guessed = [
      ...Array.from({ length: 80 }, (_, i) => `widget-${String(i + 1).padStart(12, '0')}`),
      ...Array.from({ length: 10 }, (_, i) => neighbour(contact2.id, i)),
      ...Array.from({ length: 10 }, (_, i) => neighbour(session2.id, i)),
    ];
    const probes = [...guessed, ...lifted];
    expect(new Set(probes).size).toBe(105);

    // 1. The socket's history event takes no id from the client: every answer is contact 1's own.
    const deadline = Date.now() + 30_000;
    let asked = 0;
    for (const id of probes) {
      if (Date.now() > deadline) break;
      const answer = await s1.timeout(5000).emitWithAck('history', { contactId: id, sessionId: id, session: id, afterSeq: 0 });
      expect(answer).toEqual(own);
      asked += 1;
    }
    expect(asked).toBe(105);

    // 2. The HTTP history with someone else's id: the same empty answer for lifted (existing) and
    //    guessed (unknown) ids, so no answer reveals that an id exists.
    const httpAnswers = new Set<string>();
    for (const id of probes) {
      if (Date.now() > deadline) break;
      const res = await server.request('GET', `/api/v1/chat/${publishableKey}/history?contactId=${encodeURIComponent(id)}`);
      httpAnswers.add(`${res.status} ${JSON.stringify(res.body)}`);
    }
    expect([...httpAnswers]).toEqual(['200 {"history":[]}']);

    // 3. Handshakes as a lifted id open a fresh, empty conversation; nothing of contact 2 is sent.
    for (const id of lifted) {
      const socket = pool.chat(publishableKey, id);
      const received: unknown[] = [];
      socket.onAny((event, ...args) => received.push([event, ...args]));
      const ready = await once<{ history: unknown[] }>(socket, 'ready');
      expect(ready.history).toEqual([]);
      expect(JSON.stringify(received)).not.toContain('TWO-SECRET');
      socket.close();
    }
    // Contact 1 never received contact 2's traffic either.
    const everything = (await s1.timeout(5000).emitWithAck('history', {})) as { history: { text: string }[] };
    expect(JSON.stringify(everything)).not.toContain('TWO-SECRET');

    // 4. Ids in the store are 128 random bits (22 base64url characters), not sequential.
    const db = new Database(path.join(server.dataDir, 'nexusflow.db'), { readonly: true, fileMustExist: true });
    try {
      const contactIds = (db.prepare('SELECT id FROM contacts').all() as { id: string }[]).map((r) => r.id);
      const sessionIds = (db.prepare('SELECT id FROM sessions').all() as { id: string }[]).map((r) => r.id);
      // The 105 guesses over HTTP history created no rows (reads create nothing); the 5 socket
      // connections under lifted ids did, as every widget visit does.
      expect(contactIds.length).toBe(2 + 5);
      for (const id of [...contactIds, ...sessionIds]) {
        expect(id).toMatch(BASE64URL_128);
        expect(Buffer.from(id, 'base64url')).toHaveLength(16);
      }
      expect(new Set([...contactIds, ...sessionIds]).size).toBe(contactIds.length + sessionIds.length);
      // Random ids share no long prefix (a counter or timestamp would).
      const sorted = [...contactIds].sort();
      let longestShared = 0;
      for (let i = 1; i < sorted.length; i += 1) {
        let n = 0;
        while (n < 22 && sorted[i]![n] === sorted[i - 1]![n]) n += 1;
        longestShared = Math.max(longestShared, n);
      }
      expect(longestShared).toBeLessThan(8);
    } finally {
      db.close();
    }
  });
});

describe('A-10 API key brute force', () => {
  let server: TestServer;

  beforeAll(async () => {
    // The generic per-IP limiter (600/min by default) would answer first; raise it so the
    // authentication-failure throttle (20 failures per IP per 15 min) is what is tested.
    server = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('2,000 random well-formed keys from one address: 20 get 401, the rest 429 with Retry-After; a valid key works from 127.0.0.2; only hashes are stored', async () => {
    const owner = await server.signUp('Keys');
    const created = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/api-keys`, { token: owner.token, body: { name: 'ci', scopes: ['read'] } });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^nf_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/);
    const route = `/api/v1/workspaces/${owner.workspaceId}/providers`;
    expect((await server.request('GET', route, { token: key })).status).toBe(200);

    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const base62 = (n: number) => Array.from(randomBytes(n), (b) => alphabet[b % 62]).join('');
    const results: { status: number; code: string; retryAfter: string | null }[] = [];
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < 2000 && Date.now() < deadline; i += 1) {
      const guess = `nf_${base62(12)}_${base62(32)}`;
      const res = await server.request('GET', route, { token: guess });
      results.push({ status: res.status, code: res.body?.error, retryAfter: res.headers.get('retry-after') });
    }
    expect(results).toHaveLength(2000);
    const failures = results.filter((r) => r.status === 401);
    const throttled = results.filter((r) => r.status === 429);
    expect(failures).toHaveLength(20);
    expect(new Set(failures.map((r) => r.code))).toEqual(new Set(['invalid_api_key']));
    expect(results.slice(0, 20).every((r) => r.status === 401)).toBe(true);
    expect(throttled).toHaveLength(1980);
    // Which limiter answered: the authentication-failure throttle (too_many_failures), not the
    // generic per-IP request limiter (rate_limited).
    expect(new Set(throttled.map((r) => r.code))).toEqual(new Set(['too_many_failures']));
    for (const r of throttled) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(r.retryAfter)).toBeLessThanOrEqual(15 * 60);
    }

    // The blocked address is blocked for valid keys too; another address is not.
    const fromBlocked = await server.request('GET', route, { token: key });
    expect(fromBlocked.status).toBe(429);
    expect(fromBlocked.body.error).toBe('too_many_failures');
    const fromOther = await requestFrom('127.0.0.2', `${server.url}${route}`, { headers: { authorization: `Bearer ${key}` } });
    expect(fromOther.status).toBe(200);
    expect(fromOther.body.items.map((p: { provider: string }) => p.provider).sort()).toEqual(['anthropic', 'openai']);
    // A wrong key from the second address is still an ordinary 401 there.
    const wrongFromOther = await requestFrom('127.0.0.2', `${server.url}${route}`, { headers: { authorization: `Bearer nf_${base62(12)}_${base62(32)}` } });
    expect(wrongFromOther.status).toBe(401);

    // The store keeps the prefix and the sha256, never the key; no table holds it anywhere.
    const secret = key.split('_')[2]!;
    const db = new Database(path.join(server.dataDir, 'nexusflow.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ prefix: key.slice(0, 15), hash: createHash('sha256').update(key).digest('hex') });
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toContain('api_keys');
      for (const table of tables) {
        for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
          const text = JSON.stringify(row);
          expect(text, `table ${table}`).not.toContain(secret);
        }
      }
    } finally {
      db.close();
    }
    expect(server.logs.join('\n')).not.toContain(secret);
  }, 90_000);
});
