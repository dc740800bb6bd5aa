import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { AppContext } from '../app-context.js';
import { roleAtLeast } from '../auth/index.js';
import type { WebChannel } from '../channels/web/web-channel.js';
import { presentChannels } from '../http/routes/channels.js';
import { presentEntry } from './present.js';
import { MAX_AUTH_BYTES, ackOf, authSize, forward } from './socket-helpers.js';
import { thrownFailure } from './turn-errors.js';

const channelRoom = (workspaceId: string) => `channels:${workspaceId}`;

/** Largest Socket.IO packet; chat messages are small (the library default is 1 MB). */
export const MAX_SOCKET_PACKET_BYTES = 64 * 1024;
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
            else if (event.type === 'message') socket.emit('message', { sessionId: session.id, ...presentEntry(event.entry) });
            else if (event.type === 'handoff') socket.emit('handoff', { sessionId: session.id, ...(event.handoff === undefined ? {} : { handoff: event.handoff }) });
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

    // Channel statuses (QR codes, connection state) of a workspace, live.
    socket.on('channels.watch', async (raw: unknown, ackArg: unknown) => {
      const ack = ackOf(ackArg);
      const workspaceId = (raw as { workspaceId?: unknown })?.workspaceId;
      const member = typeof workspaceId === 'string' ? await ctx.store.members.get(workspaceId, userId) : undefined;
      if (member === undefined || typeof workspaceId !== 'string') return ack({ ok: false, error: { code: 'not_found', status: 404, message: 'no such workspace of yours' } });
      await socket.join(channelRoom(workspaceId));
      ack({ ok: true, items: await presentChannels(ctx, workspaceId) });
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

/** Socket.IO on the HTTP server: `/chat` for widgets (the web channel), `/studio` for the editor. */
export function attachSockets(http: HttpServer, ctx: AppContext, web: WebChannel): Server {
  const io = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PACKET_BYTES,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    // Any origin: the chat widget runs on customers' own sites (GET /widget.js). This is safe because
    // no namespace uses cookies or other ambient credentials: /chat authenticates with the
    // publishable key and /studio with a JWT in `auth`, which another site's page does not have.
    cors: { origin: '*', credentials: false },
    // Several processes: broadcasts to rooms (channel statuses) reach every process's sockets.
    ...(ctx.cluster.socketAdapter === undefined ? {} : { adapter: ctx.cluster.socketAdapter }),
  });
  web.attach(io.of('/chat'));
  const studio = io.of('/studio');
  studioNamespace(studio, ctx);
  ctx.channels.onStatus((connection, status) => studio.to(channelRoom(connection.workspaceId)).emit('channel.status', { connectionId: connection.id, status }));
  // The default namespace has nothing to offer.
  io.of('/').use((_socket, next) => next(new Error('use the /chat or /studio namespace')));
  return io;
}
