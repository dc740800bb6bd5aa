import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LoadedPlugin, SandboxPool } from '@nexusflow/engine';
import { loadCorePlugin, loadDefaultRates, loadRatesFile } from '@nexusflow/nodes';
import { pino, type Logger } from 'pino';
import type { AppContext } from './app-context.js';
import { createTokenService, keysFromSecrets } from './auth/index.js';
import { adapterFactories, type ChannelOptions } from './channels/adapter-factories.js';
import { createChannelHub } from './channels/channel-hub.js';
import { createOperatorDesk } from './channels/operator.js';
import { createWebChannel } from './channels/web/web-channel.js';
import { createChatService } from './chat/chat-service.js';
import { mountChatHttp } from './chat/chat-http.js';
import { mountOpenAiCompat } from './chat/openai-compat.js';
import { attachSockets } from './chat/sockets.js';
import { connectChannelRemote } from './cluster/channel-remote.js';
import { createSingleProcess, joinCluster } from './cluster/cluster.js';
import type { ServerConfig } from './config/config.js';
import { seedDemo } from './demo/seed-demo.js';
import { createServerHosting } from './hosting/hosting-target.js';
import { mountApps } from './hosting/serve-apps.js';
import { createHttpApp } from './http/app.js';
import { mountWidget } from './widget/serve-widget.js';
import { apiRoutes } from './http/routes/index.js';
import { createMetrics } from './observability/metrics.js';
import { createFlowHost } from './runtime/flow-host.js';
import { createKillSwitch } from './runtime/kill-switch.js';
import { createLlmSetup } from './runtime/llm-setup.js';
import { createSessionEvents } from './runtime/session-events.js';
import { openStore } from './store/open-store.js';

export interface StartOptions {
  /** Log destination (tests capture logs to check that no token leaks). */
  logger?: Logger;
  now?: () => number;
  /** Plugins every workspace gets besides the core one. */
  extraPlugins?: LoadedPlugin[];
  /** Reuse a sandbox pool (tests). */
  sandbox?: SandboxPool;
  /** Where the demo's credentials are written; default stdout. */
  print?: (line: string) => void;
  /** Channel adapters' injections (tests: a fake WhatsApp client, a fake Graph API). */
  channels?: ChannelOptions;
}

export interface RunningServer {
  url: string;
  port: number;
  ctx: AppContext;
  http: Server;
  /** Finishes or parks the steps in flight, closes sockets, flushes the store. Idempotent. */
  close(): Promise<void>;
}

const HOLD_SWEEP_EVERY_MS = 60_000;

/** The JWT secret: from the environment, else one generated on first start and kept under the data directory. */
async function jwtSecret(config: ServerConfig): Promise<string> {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  const file = path.join(config.dataDir, 'jwt-secret');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.trim().length >= 32) return existing.trim();
  const secret = randomBytes(48).toString('base64url');
  if (existing !== undefined) {
    // Unusable (too short): replaced.
    await writeFile(file, secret, { mode: 0o600 });
    await chmod(file, 0o600);
    return secret;
  }
  // Written whole beside it, then linked into place: of several processes starting at once on one
  // data directory, the first link wins and the others read that secret, never a half-written file.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, secret, { mode: 0o600 });
  try {
    await chmod(temporary, 0o600);
    await link(temporary, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return jwtSecret(config);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Starts the whole product: store, engine, HTTP API, Socket.IO, and (first start) the demo.
 *
 * @example
 * const server = await startServer(loadConfig(process.env));
 * console.log(server.url);
 */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'nexusflow' } });
  const now = options.now ?? Date.now;
  const print = options.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  await mkdir(config.dataDir, { recursive: true });
  const store = await openStore(config, now);
  const cleanups: (() => Promise<unknown>)[] = [() => store.close()];
  try {
    const secret = await jwtSecret(config);
    const tokens = createTokenService({ keys: keysFromSecrets(secret, config.jwtPrevious), issuer: 'nexusflow', audience: 'nexusflow-api', now });
    const rates = config.ratesFile === undefined ? loadDefaultRates() : loadRatesFile(config.ratesFile);
    const llm = await createLlmSetup(config);
    cleanups.unshift(() => llm.close());
    const metrics = createMetrics();
    // The address in webhook URLs and app links; the listening address once known, unless PUBLIC_URL says otherwise.
    let publicUrl = config.publicUrl ?? '';
    // With REDIS_URL, this process joins the others: shared lines, events, caches and rate limits.
    const cluster = config.redisUrl === undefined
      ? createSingleProcess(createSessionEvents(), logger)
      : await joinCluster({ config: { ...config, redisUrl: config.redisUrl }, logger, events: createSessionEvents(), sessions: store.sessions });
    cleanups.unshift(() => cluster.close());
    const events = cluster.events;
    const host = createFlowHost({
      store,
      events,
      metrics,
      logger,
      llm,
      rates,
      corePlugin: await loadCorePlugin(),
      ...(options.extraPlugins === undefined ? {} : { extraPlugins: options.extraPlugins }),
      ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
      sandboxWorkers: config.sandboxWorkers,
      kill: createKillSwitch(config.killAt),
      // Read when an app is published, after the server listens and knows its address.
      deployTarget: createServerHosting({ apps: store.apps, config, logger, publicUrl: () => publicUrl }),
      now,
    });
    cleanups.unshift(() => host.close());
    const chat = createChatService({ store, runtime: host.runtime, events, versionDocument: host.versionDocument, now, line: cluster.line });
    cluster.bus.on((notice) => {
      if (notice.type === 'plugins.changed') host.registries.invalidate(notice.workspaceId);
      if (notice.type === 'reconnected') host.registries.invalidateAll();
      if (notice.type !== 'plugins.changed') host.forgetFlows();
    });
    const channels = createChannelHub({
      store,
      chat,
      logger,
      now,
      factories: adapterFactories({ config, store, logger, now, ...(options.channels === undefined ? {} : { options: options.channels }) }),
      // Several processes: each WhatsApp Web connection runs in one of them, under a lease.
      ...(cluster.mode === 'redis' ? { leases: cluster.channelLeases, leaseRenewMs: Math.max(100, Math.floor(cluster.leaseMs / 3)) } : {}),
    });
    cleanups.unshift(() => channels.close());
    host.setOutbound((target, key, message) => channels.deliver(target, key, message, 'flow'));
    const ctx: AppContext = {
      config,
      store,
      logger,
      metrics,
      events,
      cluster,
      host,
      chat,
      channels,
      operators: createOperatorDesk({ store, events, channels, now }),
      publicUrl: () => publicUrl,
      llm,
      rates,
      tokens,
      authFailures: cluster.authFailures({ maxFailures: config.rateLimits.authFailures, windowMs: 15 * 60_000, now }),
      now,
      draining: false,
    };
    const app = createHttpApp(ctx, apiRoutes(), (express) => {
      mountOpenAiCompat(express, ctx);
      mountChatHttp(express, ctx);
      mountApps(express, ctx);
      mountWidget(express, ctx);
    });
    // Slow clients cannot hold connections open forever (L-05). Node only enforces headersTimeout
    // when it sweeps incomplete requests, every connectionsCheckingInterval (30 s by default), so
    // sweep often enough for the timeout to mean what it says.
    const http = createServer({ connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.httpHeadersTimeoutMs / 4))) }, app);
    http.headersTimeout = config.httpHeadersTimeoutMs;
    http.requestTimeout = 120_000;
    http.keepAliveTimeout = 5_000;
    const web = createWebChannel(ctx);
    await channels.register(web);
    const io = attachSockets(http, ctx, web);
    if (cluster.mode === 'redis') connectChannelRemote(io, channels);

    if (config.demo) await seedDemo(ctx, print);

    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    if (config.publicUrl === undefined) publicUrl = url;
    // WhatsApp connections start in the background: a slow browser never delays the server.
    void channels.startAll().catch((error: unknown) => logger.error({ err: error }, 'could not start the channel connections'));

    // Turns a crash left running finish now, each step in flight re-run at most once; with other
    // processes about, only those nobody runs (their process died), now and whenever one dies.
    cluster.startSweeper({ listRunning: () => store.sessions.listRunning(), resume: (sessionId) => host.runtime.resume(sessionId) });
    const sweeper = setInterval(() => {
      store.ledger.sweepExpired().then(
        (released) => released > 0 && logger.info({ released }, 'released expired credit holds'),
        (error: unknown) => logger.warn({ err: error }, 'credit hold sweep failed'),
      );
    }, HOLD_SWEEP_EVERY_MS);
    sweeper.unref();
    void store.ledger.sweepExpired().catch(() => undefined);

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        ctx.draining = true;
        channels.drain();
        clearInterval(sweeper);
        io.emit('server_restarting', { message: 'the server is restarting; reconnecting shortly' });
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
        // Running turns finish, or stay marked in flight and resume after the restart.
        await Promise.race([Promise.all([chat.close(), host.runtime.close()]), grace]);
        // io.close() waits for the HTTP server, which waits for keep-alive connections (a widget
        // long-polling): close those first, or shutdown hangs until the browser goes away.
        const ioClosed = io.close().catch(() => undefined);
        http.closeAllConnections();
        await Promise.all([ioClosed, stopped]);
        for (const cleanup of cleanups) await cleanup().catch((error: unknown) => logger.warn({ err: error }, 'shutdown step failed'));
        logger.info('stopped');
      })());
    logger.info({ url, store: store.kind }, 'Nexus Flow server listening');
    return { url, port, ctx, http, close };
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw error;
  }
}
