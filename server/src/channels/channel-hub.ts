import type { OutboundMessage } from '@nexusflow/engine';
import { NexusError } from '@nexusflow/engine';
import type { Logger } from 'pino';
import type { ChatService } from '../chat/chat-service.js';
import type { ChannelConnection, ChannelKind, Store } from '../store/types.js';
import { DEFAULT_RETENTION_MS } from './whatsapp-cloud/index.js';
import type { ChannelAdapter, ChannelDelivery, ChannelHub, ChannelInbound, ChannelStatus } from './types.js';

/** Channels whose replies reach people through the session events (sockets, SSE, HTTP answers). */
const EVENT_CHANNELS: ReadonlySet<ChannelKind> = new Set(['web', 'api', 'studio']);

/** Makes the adapter of one connection; kinds without a factory cannot be started. */
export type AdapterFactory = (connection: ChannelConnection, inbound: ChannelInbound) => ChannelAdapter;

export interface ChannelHubOptions {
  store: Store;
  chat: ChatService;
  logger: Logger;
  now: () => number;
  factories: Partial<Record<ChannelKind, AdapterFactory>>;
  /**
   * How long channel messages are kept (duplicate and replay detection); default the Cloud API's
   * window plus a day of clock skew, so a message stays known for as long as it is not a replay.
   */
  retentionMs?: number;
}

const HOUR_MS = 60 * 60 * 1000;
const DEFAULT_KEEP_MS = DEFAULT_RETENTION_MS + 24 * HOUR_MS;

/** Where a session's replies go: the connection and the contact's id on it. */
interface Route {
  kind: ChannelKind;
  connectionId?: string;
  contactExternalId: string;
}

export interface ChannelHubControl extends ChannelHub {
  /** Adds a built-in adapter that has no stored connection (the web channel). */
  register(adapter: ChannelAdapter): Promise<void>;
  /** Starts every stored connection (at boot); failures become statuses, never a failed boot. */
  startAll(): Promise<void>;
  /** Starts (or restarts with new settings) one connection. */
  start(connection: ChannelConnection): Promise<ChannelStatus>;
  /** Stops one connection; its saved login stays. */
  stop(connectionId: string): Promise<void>;
  /** The live status, or the stored one when the connection does not run here. */
  statusOf(connection: ChannelConnection): ChannelStatus;
  /** Sends a flow's or an operator's message to the person of a session, on the channel they use. */
  deliver(target: { sessionId: string; workspaceId: string }, key: string, message: OutboundMessage, from: ChannelDelivery['from']): Promise<void>;
  /** Listens to status changes of every connection. */
  onStatus(listener: (connection: ChannelConnection, status: ChannelStatus) => void): () => void;
  /** Refuses new inbound messages (shutdown); adapters keep sending the replies of running turns. */
  drain(): void;
  close(): Promise<void>;
}

/**
 * Runs one adapter per connection and connects them to the chat service: inbound messages become
 * turns of the (deployment, contact) conversation; replies written by a flow or an operator go out
 * through the adapter of the connection the contact last wrote on.
 */
export function createChannelHub(options: ChannelHubOptions): ChannelHubControl {
  const { store, chat, logger, now } = options;
  const adapters = new Map<string, ChannelAdapter>();
  const routes = new Map<string, Route>();
  const listeners = new Set<(connection: ChannelConnection, status: ChannelStatus) => void>();
  let closed = false;
  let purger: NodeJS.Timeout | undefined;

  function purgeOld(): void {
    store.channelMessages.purge(now() - (options.retentionMs ?? DEFAULT_KEEP_MS)).then(
      (purged) => purged > 0 && logger.info({ purged }, 'forgot channel messages past their retention'),
      (error: unknown) => logger.warn({ err: error }, 'could not purge old channel messages'),
    );
  }

  const inbound: ChannelInbound = {
    async receive(connection, contact, message) {
      if (closed) throw new NexusError('runtime_closed', 'the server is shutting down; the message will be processed after the restart');
      const deployment = await store.deployments.get(connection.workspaceId, connection.deploymentId);
      if (deployment === undefined) {
        throw new NexusError('channel_unavailable', `channel "${connection.name}" points at deployment ${connection.deploymentId}, which no longer exists; connect it to another deployment`);
      }
      // The name a channel knows (WhatsApp profile name) is kept on the contact.
      const session = await chat.open(deployment, connection.kind, contact.externalId, contact.name);
      routes.set(session.id, { kind: connection.kind, connectionId: connection.id, contactExternalId: contact.externalId });
      await chat.sendIn(session, deployment, message);
    },
    statusChanged(connection, status) {
      // `stopped` is stored only by an explicit stop (the route): an adapter stopping because the
      // server shuts down must start again after the restart.
      if (status.state !== 'stopped' && !closed) void store.channels.update(connection.workspaceId, connection.id, { status: status.state }).catch((error: unknown) => logger.warn({ err: error, connectionId: connection.id }, 'could not store a channel status'));
      for (const listener of listeners) {
        try {
          listener(connection, status);
        } catch (error) {
          logger.warn({ err: error }, 'a channel status listener failed');
        }
      }
    },
  };

  async function routeOf(sessionId: string): Promise<Route> {
    const known = routes.get(sessionId);
    if (known !== undefined) return known;
    const session = await store.sessions.byId(sessionId);
    if (session === undefined) throw new NexusError('channel_unavailable', `conversation ${sessionId} does not exist`);
    const contact = await store.contacts.get(session.workspaceId, session.contactId);
    if (contact === undefined) throw new NexusError('channel_unavailable', `the contact of conversation ${sessionId} does not exist`);
    let connectionId: string | undefined;
    if (!EVENT_CHANNELS.has(session.channel)) {
      // After a restart: the deployment's connection of that kind, a running one first.
      const candidates = (await store.channels.list(session.workspaceId)).filter((c) => c.deploymentId === session.deploymentId && c.kind === session.channel);
      connectionId = (candidates.find((c) => adapters.has(c.id)) ?? candidates[0])?.id;
    }
    const route: Route = { kind: session.channel, contactExternalId: contact.externalId, ...(connectionId === undefined ? {} : { connectionId }) };
    routes.set(sessionId, route);
    if (routes.size > 100_000) routes.delete(routes.keys().next().value as string);
    return route;
  }

  async function stopAdapter(connectionId: string): Promise<void> {
    const adapter = adapters.get(connectionId);
    if (adapter === undefined) return;
    adapters.delete(connectionId);
    await adapter.stop().catch((error: unknown) => logger.warn({ err: error, connectionId }, 'a channel did not stop cleanly'));
  }

  const hub: ChannelHubControl = {
    ...inbound,
    adapter: (connectionId) => adapters.get(connectionId),
    async register(adapter) {
      adapters.set(adapter.connectionId, adapter);
      await adapter.start();
    },
    async startAll() {
      purgeOld();
      purger ??= setInterval(purgeOld, HOUR_MS).unref();
      const connections = await store.channels.listAll();
      for (const connection of connections) {
        if (connection.status === 'stopped' || options.factories[connection.kind] === undefined) continue;
        await hub.start(connection).catch((error: unknown) => logger.error({ err: error, connectionId: connection.id }, 'a channel could not start'));
      }
    },
    async start(connection) {
      const factory = options.factories[connection.kind];
      if (factory === undefined) throw new NexusError('channel_unavailable', `channels of kind "${connection.kind}" cannot be started on this server`);
      await stopAdapter(connection.id);
      const adapter = factory(connection, inbound);
      adapters.set(connection.id, adapter);
      try {
        await adapter.start();
      } catch (error) {
        logger.error({ err: error, connectionId: connection.id }, 'a channel failed to start');
      }
      return adapter.status();
    },
    async stop(connectionId) {
      await stopAdapter(connectionId);
    },
    statusOf(connection) {
      const running = adapters.get(connection.id);
      if (running !== undefined) return running.status();
      const detail = connection.status === 'stopped' ? 'stopped; start it to receive messages' : 'not running on this server';
      return { state: 'stopped', detail, since: connection.updatedAt };
    },
    async deliver({ sessionId, workspaceId }, key, message, from) {
      const route = await routeOf(sessionId);
      if (route.kind === 'web') return adapters.get('web')?.send({ workspaceId, sessionId, contactExternalId: route.contactExternalId, key, message, from });
      if (EVENT_CHANNELS.has(route.kind)) return;
      const adapter = route.connectionId === undefined ? undefined : adapters.get(route.connectionId);
      if (adapter === undefined) {
        throw new NexusError('channel_unavailable', `the ${route.kind} connection of this conversation is not running; start it in Channels and try again`);
      }
      await adapter.send({ workspaceId, sessionId, contactExternalId: route.contactExternalId, key, message, from });
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    drain() {
      closed = true;
    },
    async close() {
      closed = true;
      clearInterval(purger);
      await Promise.all([...adapters.keys()].map((id) => stopAdapter(id)));
    },
  };
  return hub;
}
