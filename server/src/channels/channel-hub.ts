import type { OutboundMessage } from '@nexusflow/engine';
import { NexusError } from '@nexusflow/engine';
import type { Logger } from 'pino';
import type { ChatService } from '../chat/chat-service.js';
import { soleProcessLeases, type ChannelLeases } from '../cluster/channel-leases.js';
import type { ChannelConnection, ChannelKind, Store } from '../store/types.js';
import { DEFAULT_RETENTION_MS } from './whatsapp-cloud/index.js';
import type { ChannelRemote, RemoteChannelRequest, RemoteChannelResponse } from './remote.js';
import type { ChannelAdapter, ChannelDelivery, ChannelHub, ChannelInbound, ChannelStatus } from './types.js';

/** Channels whose replies reach people through the session events (sockets, SSE, HTTP answers). */
const EVENT_CHANNELS: ReadonlySet<ChannelKind> = new Set(['web', 'api', 'studio']);

/** Channels that run in one server process at a time: WhatsApp Web drives one browser per number. */
const SINGLE_PROCESS: ReadonlySet<ChannelKind> = new Set(['whatsapp']);

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
  /** Which process runs each single-process connection (several processes share Redis). */
  leases?: ChannelLeases;
  /** How often leases are renewed and free connections taken over; the lease lasts three times this. */
  leaseRenewMs?: number;
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
  /** The status of a connection running here or in another process (asked), else the stored one. */
  liveStatusOf(connection: ChannelConnection): Promise<ChannelStatus>;
  /** Connects the hub to the other server processes, for connections that run in one of them. */
  setRemote(remote: ChannelRemote): void;
  /** Runs another process's request when the connection runs here; undefined when it does not. */
  handleRemote(request: RemoteChannelRequest): Promise<RemoteChannelResponse | undefined>;
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
  const leases = options.leases ?? soleProcessLeases;
  let remote: ChannelRemote | undefined;
  let closed = false;
  let purger: NodeJS.Timeout | undefined;
  let keeper: NodeJS.Timeout | undefined;

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
    if (SINGLE_PROCESS.has(adapter.kind)) await leases.release(connectionId).catch(() => undefined);
  }

  async function startHere(connection: ChannelConnection): Promise<ChannelStatus> {
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
  }

  const elsewhere = (connection: ChannelConnection): ChannelStatus => ({
    state: connection.status as ChannelStatus['state'],
    detail: connection.status === 'stopped' ? 'stopped; start it to receive messages' : 'runs on another server process',
    since: connection.updatedAt,
  });

  /**
   * Single-process connections: renew this process's leases (a connection whose lease another
   * process took stops here), and start the connections nobody runs (their process died).
   */
  async function keepLeases(): Promise<void> {
    for (const [connectionId, adapter] of [...adapters]) {
      if (!SINGLE_PROCESS.has(adapter.kind)) continue;
      const held = await leases.claim(connectionId).catch(() => true); // Redis away: keep running, the lease tells later
      if (!held && adapters.get(connectionId) === adapter) {
        logger.warn({ connectionId }, 'another server process took this channel connection over; it stops here');
        adapters.delete(connectionId);
        await adapter.stop().catch(() => undefined);
      }
    }
    if (closed) return;
    for (const connection of await store.channels.listAll()) {
      if (!SINGLE_PROCESS.has(connection.kind) || connection.status === 'stopped' || adapters.has(connection.id) || options.factories[connection.kind] === undefined) continue;
      if (await leases.claim(connection.id)) {
        logger.info({ connectionId: connection.id }, 'starting a channel connection no server process was running');
        await startHere(connection);
      }
    }
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
        // A single-process connection another process runs stays there.
        if (SINGLE_PROCESS.has(connection.kind) && !(await leases.claim(connection.id).catch(() => false))) continue;
        await startHere(connection).catch((error: unknown) => logger.error({ err: error, connectionId: connection.id }, 'a channel could not start'));
      }
      if (options.leases !== undefined && keeper === undefined) {
        keeper = setInterval(() => {
          keepLeases().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'could not check which process runs the channel connections'));
        }, options.leaseRenewMs ?? 5_000);
        keeper.unref();
      }
    },
    async start(connection) {
      if (SINGLE_PROCESS.has(connection.kind) && !adapters.has(connection.id) && !(await leases.claim(connection.id))) {
        // Another process runs it: that one restarts it (with the new settings).
        const answer = await remote?.call({ op: 'start', connectionId: connection.id });
        return answer?.status ?? elsewhere(connection);
      }
      return startHere(connection);
    },
    async stop(connectionId) {
      if (adapters.has(connectionId)) return stopAdapter(connectionId);
      await remote?.call({ op: 'stop', connectionId });
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
      if (adapter === undefined && route.connectionId !== undefined && remote !== undefined) {
        // The connection runs in another process (WhatsApp Web's browser is there): it sends.
        const answer = await remote.call({ op: 'deliver', connectionId: route.connectionId, target: { sessionId, workspaceId }, contactExternalId: route.contactExternalId, key, message, from });
        if (answer?.error !== undefined) throw new NexusError(answer.error.code, answer.error.message);
        if (answer !== undefined) return;
      }
      if (adapter === undefined) {
        throw new NexusError('channel_unavailable', `the ${route.kind} connection of this conversation is not running; start it in Channels and try again`);
      }
      await adapter.send({ workspaceId, sessionId, contactExternalId: route.contactExternalId, key, message, from });
    },
    async liveStatusOf(connection) {
      const running = adapters.get(connection.id);
      if (running !== undefined) return running.status();
      if (SINGLE_PROCESS.has(connection.kind) && remote !== undefined && connection.status !== 'stopped') {
        const answer = await remote.call({ op: 'status', connectionId: connection.id }).catch(() => undefined);
        if (answer?.status !== undefined) return answer.status;
      }
      return remote === undefined ? hub.statusOf(connection) : elsewhere(connection);
    },
    setRemote(connected) {
      remote = connected;
    },
    async handleRemote(request) {
      const adapter = adapters.get(request.connectionId);
      if (adapter === undefined) return undefined;
      if (request.op === 'status') return { status: adapter.status() };
      if (request.op === 'stop') {
        await stopAdapter(request.connectionId);
        return {};
      }
      if (request.op === 'start') {
        const connection = await store.channels.byId(request.connectionId);
        if (connection === undefined) return undefined;
        return { status: await startHere(connection) };
      }
      try {
        await adapter.send({ workspaceId: request.target.workspaceId, sessionId: request.target.sessionId, contactExternalId: request.contactExternalId, key: request.key, message: request.message, from: request.from });
        return {};
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown };
        return { error: { code: typeof e.code === 'string' ? e.code : 'channel_send_failed', message: typeof e.message === 'string' ? e.message : 'the message could not be sent' } };
      }
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
      clearInterval(keeper);
      await Promise.all([...adapters.keys()].map((id) => stopAdapter(id)));
    },
  };
  return hub;
}
