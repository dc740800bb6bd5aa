import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { AppContext } from '../app-context.js';
import { roleAtLeast } from '../auth/index.js';
import type { SessionEvent } from '../runtime/session-events.js';
import type { Deployment } from '../store/types.js';
import { checkMessage } from './chat-service.js';
import { presentEntry } from './present.js';
import { createTokenBucket } from './token-bucket.js';
import { thrownFailure, turnFailure } from './turn-errors.js';

/** Largest Socket.IO packet; chat messages are small (the library default is 1 MB). */
export const MAX_SOCKET_PACKET_BYTES = 64 * 1024;
const MAX_AUTH_BYTES = 4096;
const CONTACT_ID = /^[A-Za-z0-9_-]{16,64}$/;
const HISTORY_LIMIT = 100;

type Ack = (answer: unknown) => void;
const ackOf = (value: unknown): Ack => (typeof value === 'function' ? (value as Ack) : () => undefined);

function authSize(auth: unknown): number {
  try {
    return JSON.stringify(auth ?? {}).length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function forward(socket: Socket, event: SessionEvent): void {
  if (event.type === 'token') socket.emit('token', { streamId: event.streamId, delta: event.delta });
  else if (event.type === 'reply') socket.emit('reply', { ...presentEntry(event.entry), ...(event.streamId === undefined ? {} : { streamId: event.streamId }) });
  else if (event.type === 'typing') socket.emit('typing', { on: event.on });
  else if (event.type === 'stream.aborted') socket.emit('stream_aborted', { streamId: event.streamId });
}

/**
 * `/chat`: the web channel. A widget connects with `auth: { publishableKey, contactId }` (never the
 * query string), gets its own conversation only (rooms come from server-side identity, A-07/A-12),
 * sends `message` events (acknowledged with the outcome), and receives `token`, `reply`, `typing`
 * and `chat_error` events (402 when the workspace is out of credits).
 */
function chatNamespace(ns: Namespace, ctx: AppContext): void {
  ns.use(async (socket, next) => {
    try {
      const auth = socket.handshake.auth as { publishableKey?: unknown; contactId?: unknown };
      if (authSize(auth) > MAX_AUTH_BYTES) return next(new Error('too large'));
      if (typeof auth.publishableKey !== 'string' || typeof auth.contactId !== 'string' || !CONTACT_ID.test(auth.contactId)) return next(new Error('unauthorized'));
      const deployment = await ctx.store.deployments.byPublishableKey(auth.publishableKey.slice(0, 100));
      if (deployment === undefined) return next(new Error('unauthorized'));
      if (ctx.draining) return next(new Error('server restarting'));
      socket.data = { deploymentId: deployment.id, workspaceId: deployment.workspaceId, contactId: auth.contactId };
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });
  ns.on('connection', async (socket) => {
    ctx.metrics.socketConnections.inc({ namespace: 'chat' });
    const { workspaceId, deploymentId, contactId } = socket.data as { workspaceId: string; deploymentId: string; contactId: string };
    const bucket = createTokenBucket(10, 2, ctx.now);
    const deployment = async (): Promise<Deployment> => {
      const found = await ctx.store.deployments.get(workspaceId, deploymentId);
      if (found === undefined) throw Object.assign(new Error('this chat is no longer available'), { code: 'not_found', status: 404 });
      return found;
    };
    let stop: (() => void) | undefined;
    try {
      const session = await ctx.chat.open(await deployment(), 'web', contactId);
      stop = ctx.events.on(session.id, (event) => forward(socket, event));
      socket.on('disconnect', () => stop?.());
      const history = await ctx.store.transcripts.list(workspaceId, session.id, { limit: HISTORY_LIMIT });
      socket.emit('ready', { history: history.map(presentEntry) });
    } catch (error) {
      socket.emit('chat_error', thrownFailure(error));
      socket.disconnect(true);
      return;
    }

    socket.on('message', async (raw: unknown, ackArg: unknown) => {
      const ack = ackOf(ackArg);
      if (!bucket.take()) {
        const failure = { code: 'rate_limited', status: 429, message: 'too many messages; wait a moment before sending more' };
        socket.emit('chat_error', failure);
        return ack({ ok: false, error: failure });
      }
      const seen: SessionEvent[] = [];
      try {
        const message = checkMessage(raw);
        const turn = await ctx.chat.send(await deployment(), 'web', contactId, message, (event) => {
          if (event.type === 'trace') seen.push(event);
        });
        const failure = turnFailure(turn, seen);
        if (failure !== undefined) {
          socket.emit('chat_error', failure);
          return ack({ ok: false, error: failure });
        }
        ack({ ok: true, status: turn.result.status, replies: turn.replies.map(presentEntry), duplicate: turn.duplicate });
      } catch (error) {
        const failure = thrownFailure(error);
        socket.emit('chat_error', failure);
        ack({ ok: false, error: failure });
      }
    });

    socket.on('history', async (raw: unknown, ackArg: unknown) => {
      const ack = ackOf(ackArg);
      try {
        const afterSeq = typeof (raw as { afterSeq?: unknown })?.afterSeq === 'number' ? (raw as { afterSeq: number }).afterSeq : 0;
        const session = await ctx.chat.open(await deployment(), 'web', contactId);
        const entries = await ctx.store.transcripts.list(workspaceId, session.id, { afterSeq, limit: HISTORY_LIMIT });
        ack({ ok: true, history: entries.map(presentEntry) });
      } catch (error) {
        ack({ ok: false, error: thrownFailure(error) });
      }
    });

    socket.on('reset', async (_raw: unknown, ackArg: unknown) => {
      const ack = ackOf(ackArg);
      try {
        await ctx.chat.reset(await deployment(), 'web', contactId);
        ack({ ok: true });
      } catch (error) {
        ack({ ok: false, error: thrownFailure(error) });
      }
    });
  });
}

/**
 * `/studio`: signed-in people of a workspace watch the trace of a session live. Auth is the JWT in
 * `auth.token`; it is checked again on every event and the socket is dropped when it expires
 * and connection-state recovery re-runs this middleware (`skipMiddlewares: false`).
 */
function studioNamespace(ns: Namespace, ctx: AppContext): void {
  ns.use(async (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    if (authSize(auth) > MAX_AUTH_BYTES) return next(new Error('too large'));
    if (typeof auth.token !== 'string') return next(new Error('unauthorized'));
    const verified = ctx.tokens.verify(auth.token, { purpose: 'session' });
    if (!verified.ok) return next(new Error(verified.code === 'token_expired' ? 'token expired' : 'unauthorized'));
    socket.data = { userId: verified.claims.sub, token: auth.token };
    next();
  });
  ns.on('connection', (socket) => {
    ctx.metrics.socketConnections.inc({ namespace: 'studio' });
    const { userId, token } = socket.data as { userId: string; token: string };
    const watching = new Map<string, () => void>();
    socket.on('disconnect', () => {
      for (const stop of watching.values()) stop();
      watching.clear();
    });
    // Every event re-checks the token: a WebSocket outlives the token that opened it.
    socket.use((_packet, next) => {
      const verified = ctx.tokens.verify(token, { purpose: 'session' });
      if (verified.ok) return next();
      socket.emit('auth_expired', { code: verified.code, message: 'your sign-in expired; sign in again' });
      socket.disconnect(true);
    });

    socket.on('watch', async (raw: unknown, ackArg: unknown) => {
      const ack = ackOf(ackArg);
      const { workspaceId, sessionId } = (raw ?? {}) as { workspaceId?: unknown; sessionId?: unknown };
      const notFound = { ok: false, error: { code: 'not_found', status: 404, message: 'no such session in a workspace of yours' } };
      if (typeof workspaceId !== 'string' || typeof sessionId !== 'string') return ack(notFound);
      const member = await ctx.store.members.get(workspaceId, userId);
      const session = member === undefined || !roleAtLeast(member.role, 'viewer') ? undefined : await ctx.store.sessions.get(workspaceId, sessionId);
      if (session === undefined) return ack(notFound);
      if (!watching.has(session.id)) {
        watching.set(
          session.id,
          ctx.events.on(session.id, (event) => {
            if (event.type === 'trace') socket.emit('trace', { sessionId: session.id, event: event.event });
            else forward(socket, event);
          }),
        );
      }
      const stored = await ctx.store.traces.list(workspaceId, session.id, { limit: 500 });
      ack({ ok: true, trace: stored.map((s) => ({ seq: s.seq, event: s.event })) });
    });

    // Test chat: the person runs the flow they are editing (saved or not) in memory.
    const follow = (testId: string) => {
      if (watching.has(testId)) return;
      watching.set(
        testId,
        ctx.events.on(testId, (event) => {
          if (event.type === 'trace') socket.emit('trace', { sessionId: testId, event: event.event });
          else forward(socket, event);
        }),
      );
    };
    const ownTest = (testId: unknown) => {
      const test = typeof testId === 'string' ? ctx.host.tests.get(testId) : undefined;
      return test !== undefined && test.userId === userId ? test : undefined;
    };
    const ended = { ok: false, error: { code: 'not_found', status: 404, message: 'this test chat has ended; start a new one' } };

    socket.on('test.start', async (raw: unknown, ackArg: unknown) => {
      const ack = ackOf(ackArg);
      const { workspaceId, document } = (raw ?? {}) as { workspaceId?: unknown; document?: unknown };
      const member = typeof workspaceId === 'string' ? await ctx.store.members.get(workspaceId, userId) : undefined;
      if (member === undefined || typeof workspaceId !== 'string') return ack({ ok: false, error: { code: 'not_found', status: 404, message: 'no such workspace of yours' } });
      if (!roleAtLeast(member.role, 'editor')) return ack({ ok: false, error: { code: 'forbidden', status: 403, message: 'test chats need the editor role' } });
      const started = await ctx.host.tests.start(workspaceId, userId, document);
      if (!started.ok) {
        return ack({ ok: false, error: { code: 'flow_invalid', status: 400, message: `the flow has ${started.issues.length} problem(s); fix them to test it`, details: started.issues } });
      }
      follow(started.test.testId);
      ack({ ok: true, testId: started.test.testId });
    });

    socket.on('test.message', async (raw: unknown, ackArg: unknown) => {
      const ack = ackOf(ackArg);
      const { testId, text } = (raw ?? {}) as { testId?: unknown; text?: unknown };
      const test = ownTest(testId);
      if (test === undefined) return ack(ended);
      if (typeof text !== 'string' || text.length > 8000) return ack({ ok: false, error: { code: 'invalid_message', status: 400, message: 'text must be a string of at most 8000 characters' } });
      follow(test.testId);
      ctx.events.emit({ type: 'typing', sessionId: test.testId, on: true });
      try {
        const result = await ctx.host.tests.send(test.testId, text);
        ack({ ok: true, status: result.status, ...(result.error === undefined ? {} : { error: result.error }) });
      } catch (error) {
        ack({ ok: false, error: thrownFailure(error) });
      } finally {
        ctx.events.emit({ type: 'typing', sessionId: test.testId, on: false });
      }
    });

    socket.on('test.stop', (raw: unknown, ackArg: unknown) => {
      const test = ownTest((raw as { testId?: unknown })?.testId);
      if (test !== undefined) {
        ctx.host.tests.stop(test.testId);
        watching.get(test.testId)?.();
        watching.delete(test.testId);
      }
      ackOf(ackArg)({ ok: true });
    });

    socket.on('unwatch', (raw: unknown, ackArg: unknown) => {
      const sessionId = (raw as { sessionId?: unknown })?.sessionId;
      if (typeof sessionId === 'string') {
        watching.get(sessionId)?.();
        watching.delete(sessionId);
      }
      ackOf(ackArg)({ ok: true });
    });
  });
}

/** Socket.IO on the HTTP server: `/chat` for widgets, `/studio` for the editor. */
export function attachSockets(http: HttpServer, ctx: AppContext): Server {
  const io = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PACKET_BYTES,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    cors: { origin: ctx.config.corsOrigins.includes('*') ? true : ctx.config.corsOrigins },
  });
  chatNamespace(io.of('/chat'), ctx);
  studioNamespace(io.of('/studio'), ctx);
  // The default namespace has nothing to offer.
  io.of('/').use((_socket, next) => next(new Error('use the /chat or /studio namespace')));
  return io;
}
