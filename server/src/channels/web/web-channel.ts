import { NexusError } from '@nexusflow/engine';
import type { Namespace, Socket } from 'socket.io';
import type { AppContext } from '../../app-context.js';
import { checkMessage } from '../../chat/chat-service.js';
import { presentEntry } from '../../chat/present.js';
import { MAX_AUTH_BYTES, ackOf, authSize, forward } from '../../chat/socket-helpers.js';
import { createTokenBucket } from '../../chat/token-bucket.js';
import { thrownFailure, turnFailure } from '../../chat/turn-errors.js';
import type { SessionEvent } from '../../runtime/session-events.js';
import type { Deployment } from '../../store/types.js';
import type { ChannelAdapter, ChannelStatus } from '../types.js';

const CONTACT_ID = /^[A-Za-z0-9_-]{16,64}$/;
const HISTORY_LIMIT = 100;

/**
 * `/chat`: the web channel. A widget connects with `auth: { publishableKey, contactId }` (never the
 * query string), gets its own conversation only (rooms come from server-side identity, A-07/A-12),
 * sends `message` events (acknowledged with the outcome), and receives `token`, `reply`, `typing`
 * and `chat_error` events (402 when the workspace is out of credits).
 */
function attachChat(ns: Namespace, ctx: AppContext, widgets: Set<Socket>): void {
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
    widgets.add(socket);
    socket.on('disconnect', () => widgets.delete(socket));
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


/** The web channel: the embeddable widget and any Socket.IO client of `/chat`. */
export interface WebChannel extends ChannelAdapter {
  /** Serves the `/chat` namespace: widgets connect, send messages and receive replies there. */
  attach(ns: Namespace): void;
}

/**
 * The web channel as a channel adapter. Inbound messages come from widget sockets and run as turns
 * of the chat service (the sender gets the outcome as the message's acknowledgement). Outbound
 * messages need no sending here: every reply, streamed token and operator answer is published on
 * the session's event bus, which each widget socket of that conversation listens to, so `send`
 * only checks that the channel is open.
 */
export function createWebChannel(ctx: AppContext): WebChannel {
  const widgets = new Set<Socket>();
  let state: ChannelStatus['state'] = 'stopped';
  let since = ctx.now();
  return {
    kind: 'web',
    connectionId: 'web',
    streams: true,
    attach(ns) {
      attachChat(ns, ctx, widgets);
    },
    async start() {
      state = 'ready';
      since = ctx.now();
    },
    async stop() {
      state = 'stopped';
      since = ctx.now();
      for (const socket of widgets) socket.disconnect(true);
      widgets.clear();
    },
    status() {
      return { state, since, detail: `${widgets.size} widget${widgets.size === 1 ? '' : 's'} connected` };
    },
    async send() {
      if (state !== 'ready') throw new NexusError('channel_unavailable', 'the web chat is closed while the server restarts; the reply is in the transcript and shows when the widget reconnects');
    },
  };
}
