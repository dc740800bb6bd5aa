import { access, constants } from 'node:fs/promises';
import { NexusError } from '@nexusflow/engine';
import QRCode from 'qrcode';
import type { ChannelAdapter, ChannelState, ChannelStatus } from '../types.js';
import { backoffDelay } from './backoff.js';
import { createButtonReplies } from './button-replies.js';
import { chromiumMissing, classifyDisconnect, describeReason, errorText, launchFailure } from './disconnect-reasons.js';
import { createInboundHandler } from './inbound-handler.js';
import { inboundConfigOf } from './inbound-filter.js';
import { createOwnMessages } from './own-messages.js';
import { realTimers } from './pacing.js';
import { createRealClient } from './real-client.js';
import { createSender } from './sender.js';
import { clearSession, lockSession, markPaired, sessionFiles, wasPaired } from './session-files.js';
import { DEFAULT_BACKOFF, DEFAULT_LIMITS, type SendLimits, type WhatsAppClientEvent, type WhatsAppClientLike, type WhatsAppWebAdapterOptions } from './types.js';

/** States in which the connection holds its lock and a client runs or is about to. */
const ACTIVE: ReadonlySet<ChannelState> = new Set(['starting', 'waiting_for_qr', 'ready', 'disconnected']);

/** A browser that does not close within this is left behind rather than blocking a reconnect. */
const DESTROY_TIMEOUT_MS = 15_000;

const SCAN_HELP = 'open WhatsApp on the phone, Settings > Linked devices > Link a device, and scan it';

function checkLimits(limits: SendLimits): SendLimits {
  for (const [name, value] of Object.entries(limits)) {
    const least = name === 'minIntervalMs' ? 0 : 1;
    if (!Number.isInteger(value) || value < least) throw new Error(`WhatsApp adapter: limits.${name} must be an integer of at least ${least}; got ${String(value)}`);
  }
  return limits;
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`;
}

/**
 * A WhatsApp number through whatsapp-web.js (WhatsApp Web in the system Chromium). Lifecycle:
 * `start` takes the connection's lock and launches the client; the status moves starting ->
 * waiting_for_qr (QR code) -> ready; a lost connection reconnects with jittered exponential
 * backoff (`disconnected`); a logout or a refused login clears the saved login (`needs_qr`); a
 * missing Chromium, a profile in use or a ban stops it (`failed`). Every client event is handled
 * by a listener tied to one client "generation": events of a client that was replaced are dropped.
 */
export function createWhatsAppWebAdapter(options: WhatsAppWebAdapterOptions): ChannelAdapter {
  const { connection, inbound, messages } = options;
  if (connection.kind !== 'whatsapp') throw new Error(`the WhatsApp Web adapter runs connections of kind "whatsapp"; connection ${connection.id} is "${connection.kind}"`);
  const files = sessionFiles(options.dataDir, connection.id);
  const log = options.logger.child({ channel: 'whatsapp', connectionId: connection.id });
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const random = options.random ?? Math.random;
  const chromiumPath = options.chromiumPath ?? '/usr/bin/chromium';
  const limits = checkLimits({ ...DEFAULT_LIMITS, ...options.limits });
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };

  let status: ChannelStatus = { state: 'stopped', since: now() };
  /** The latest QR code's number, and the client generation that logged in: a QR drawn late never hides them. */
  let qrSeq = 0;
  let authenticatedGeneration = -1;
  let client: WhatsAppClientLike | undefined;
  let detach: (() => void) | undefined;
  /** Bumped when a client is launched or dropped; listeners and timers of older ones do nothing. */
  let generation = 0;
  let lock: { release: () => Promise<void> } | undefined;
  let attempt = 0;
  let reconnectTimer: unknown;
  let closing: Promise<void> = Promise.resolve();
  let starting: Promise<void> | undefined;
  let startedAt = 0;
  let recovered = false;

  const own = createOwnMessages();
  const buttons = createButtonReplies(now);
  const handler = createInboundHandler({ connection, config: inboundConfigOf(connection.config), inbound, messages, own, buttons, log });
  const sender = createSender({
    connection,
    messages,
    limits,
    now,
    timers,
    log,
    own,
    buttons,
    checkMediaUrl: options.checkMediaUrl ?? (() => undefined),
    readyClient() {
      if (status.state !== 'ready' || client === undefined) {
        throw new NexusError('channel_unavailable', `WhatsApp connection "${connection.name}" cannot send now: it is ${status.state.replace(/_/g, ' ')}${status.detail === undefined ? '' : ` (${status.detail})`}`);
      }
      return { client, generation };
    },
    onSessionClosed: (gen, error) => lost(gen, `the WhatsApp Web page closed (${errorText(error).slice(0, 120)})`),
  });

  function setStatus(state: ChannelState, extra: Omit<ChannelStatus, 'state' | 'since'> = {}): void {
    status = { state, since: now(), ...extra };
    log.info({ state, detail: extra.detail }, 'whatsapp: status');
    try {
      inbound.statusChanged(connection, status);
    } catch (error) {
      log.error({ err: error }, 'whatsapp: status listener failed');
    }
  }

  /** Closes a client without waiting forever or throwing; the next launch waits for it (one profile, one browser). */
  function retire(old: WhatsAppClientLike | undefined): Promise<void> {
    detach?.();
    detach = undefined;
    client = undefined;
    if (old === undefined) return closing;
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log.warn('whatsapp: the browser did not close in time; continuing');
        resolve();
      }, DESTROY_TIMEOUT_MS);
      timer.unref();
      old.destroy().then(
        () => undefined,
        (error: unknown) => log.warn({ err: error }, 'whatsapp: closing the client failed'),
      ).finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    closing = closing.then(() => closed);
    return closing;
  }

  function cancelReconnect(): void {
    if (reconnectTimer !== undefined) timers.clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
  }

  async function releaseLock(): Promise<void> {
    const held = lock;
    lock = undefined;
    await held?.release();
  }

  /** Stops for good (until the next `start`): `failed` or `needs_qr`, optionally forgetting the login. */
  async function halt(gen: number, state: 'failed' | 'needs_qr', detail: string, forgetLogin = false): Promise<void> {
    if (gen !== generation) return;
    generation += 1;
    cancelReconnect();
    await retire(client);
    if (forgetLogin) await clearSession(files).catch((error: unknown) => log.error({ err: error }, 'whatsapp: could not remove the saved login'));
    await releaseLock();
    setStatus(state, { detail });
  }

  /** The connection dropped but the login is intact: come back after a backoff. */
  function lost(gen: number, why: string): void {
    if (gen !== generation || lock === undefined) return;
    generation += 1;
    void retire(client);
    attempt += 1;
    const delay = backoffDelay(attempt, backoff, random);
    setStatus('disconnected', { detail: `Connection lost: ${why}. Reconnecting in ${seconds(delay)} (attempt ${attempt}).` });
    cancelReconnect();
    const planned = generation;
    reconnectTimer = timers.setTimeout(() => {
      reconnectTimer = undefined;
      if (planned !== generation || lock === undefined) return;
      void launch().catch((error: unknown) => log.error({ err: error }, 'whatsapp: reconnect failed'));
    }, delay);
  }

  async function launch(): Promise<void> {
    const gen = ++generation;
    await closing;
    const restoring = await wasPaired(files);
    if (gen !== generation) return; // stopped while the old browser closed
    let created: WhatsAppClientLike;
    try {
      if (options.createClient !== undefined) {
        created = options.createClient({ clientId: connection.id, dataPath: files.dataPath, chromiumPath });
      } else {
        await access(chromiumPath, constants.X_OK).catch((error: unknown) => {
          throw new Error(chromiumMissing(chromiumPath, errorText(error)));
        });
        created = await createRealClient({ clientId: connection.id, dataPath: files.dataPath, chromiumPath, webCachePath: files.webCache });
      }
    } catch (error) {
      log.error({ err: error }, 'whatsapp: could not create the client');
      const message = errorText(error);
      await halt(gen, 'failed', message.startsWith('Chromium could not be started') ? message : (launchFailure(error, chromiumPath) ?? `WhatsApp Web could not be set up: ${message}`));
      return;
    }
    if (gen !== generation) {
      void created.destroy().catch(() => undefined);
      return;
    }
    client = created;
    detach = listen(created, gen, restoring);
    // Not awaited: the real initialize resolves only once WhatsApp Web has loaded; progress arrives as events.
    void Promise.resolve()
      .then(() => created.initialize())
      .then(
        () => log.debug('whatsapp: client initialized'),
        (error: unknown) => {
          log.warn({ err: error }, 'whatsapp: client failed to start');
          const fatal = launchFailure(error, chromiumPath);
          if (fatal !== undefined) void halt(gen, 'failed', fatal);
          else lost(gen, `WhatsApp Web did not open (${errorText(error).slice(0, 160)})`);
        },
      );
  }

  /** Subscribes to one client's events; answers the unsubscribe. */
  function listen(target: WhatsAppClientLike, gen: number, restoring: boolean): () => void {
    const handlers: [WhatsAppClientEvent, (...args: unknown[]) => unknown][] = [
      ['qr', (qr) => showQr(gen, qr, restoring)],
      ['authenticated', () => loggedIn(gen)],
      ['auth_failure', (why) => halt(gen, 'needs_qr', `WhatsApp refused the saved login (${describeReason(why)}); it was removed. Press Start and scan the new QR code.`, true)],
      ['ready', () => becameReady(gen, target)],
      ['message', (message) => handler.onMessage(message)],
      ['message_create', (message) => handler.onMessage(message)],
      ['disconnected', (reason) => disconnected(gen, reason)],
      ['change_state', (state) => log.debug({ waState: state }, 'whatsapp: connection state')],
    ];
    const bound = handlers.map(([event, handle]) => {
      const listener = (...args: unknown[]) => {
        if (gen !== generation) return;
        // A listener of an EventEmitter must not throw or leave a rejected promise behind.
        void Promise.resolve()
          .then(() => handle(...args))
          .catch((error: unknown) => log.error({ err: error, event }, 'whatsapp: event handling failed'));
      };
      target.on(event, listener);
      return [event, listener] as const;
    });
    return () => {
      for (const [event, listener] of bound) target.off(event, listener);
    };
  }

  async function showQr(gen: number, qr: unknown, restoring: boolean): Promise<void> {
    if (typeof qr !== 'string' || qr.length === 0) return;
    const seq = ++qrSeq;
    let qrSvg: string | undefined;
    try {
      qrSvg = await QRCode.toString(qr, { type: 'svg' });
    } catch (error) {
      log.warn({ err: error }, 'whatsapp: the QR code could not be drawn');
    }
    // Drawing takes a moment: a newer QR code, a login or another client may have come meanwhile.
    if (gen !== generation || seq !== qrSeq || authenticatedGeneration === gen) return;
    if (status.state !== 'starting' && status.state !== 'waiting_for_qr') return;
    const detail = restoring
      ? `The saved login could not be restored (session not yet saved, or ended on the phone) — scan again: ${SCAN_HELP}.`
      : `Link this number: ${SCAN_HELP}.`;
    setStatus('waiting_for_qr', qrSvg === undefined ? { detail, qr } : { detail, qr, qrSvg });
  }

  function loggedIn(gen: number): void {
    authenticatedGeneration = gen;
    if (status.state !== 'ready') setStatus('starting', { detail: 'Logged in; loading the chats.' });
  }

  async function becameReady(gen: number, target: WhatsAppClientLike): Promise<void> {
    attempt = 0;
    authenticatedGeneration = gen;
    const me = target.info?.wid?._serialized;
    setStatus('ready', { detail: me === undefined ? 'Connected.' : `Connected as ${me}.` });
    await markPaired(files, now()).catch((error: unknown) => log.warn({ err: error }, 'whatsapp: could not note the pairing'));
    if (!recovered && gen === generation) {
      recovered = true;
      await handler.recover(startedAt);
    }
  }

  async function disconnected(gen: number, reason: unknown): Promise<void> {
    const kind = classifyDisconnect(reason);
    log.warn({ reason, kind }, 'whatsapp: disconnected');
    if (kind === 'logged_out') {
      await halt(gen, 'needs_qr', `WhatsApp logged this device out (${describeReason(reason)}); the saved login was removed. Press Start and scan the new QR code.`, true);
    } else if (kind === 'banned') {
      await halt(gen, 'failed', `WhatsApp blocked this number (${describeReason(reason)}). It cannot be used until WhatsApp lifts the block; the saved login is kept.`);
    } else if (kind === 'qr_expired') {
      await halt(gen, 'needs_qr', 'The QR code was not scanned in time. Press Start to get a new one.');
    } else {
      lost(gen, describeReason(reason));
    }
  }

  async function doStart(): Promise<void> {
    setStatus('starting', { detail: 'Starting WhatsApp Web.' });
    let acquired: Awaited<ReturnType<typeof lockSession>>;
    try {
      acquired = await lockSession(files, (error) => {
        log.error({ err: error }, 'whatsapp: lost the connection lock');
        void halt(generation, 'failed', `This connection lost its lock (${errorText(error).slice(0, 120)}) and stopped to keep its login intact. Start it again.`);
      });
    } catch (error) {
      setStatus('failed', { detail: `The login directory ${files.dataPath} cannot be used (${errorText(error).slice(0, 160)}). Check the data directory's permissions and free space.` });
      return;
    }
    if (!acquired.ok) {
      setStatus('failed', {
        detail: `This WhatsApp connection is already running on another server (${acquired.holder}). Stop it there first; if that server crashed, start it again in a minute.`,
      });
      return;
    }
    lock = acquired;
    attempt = 0;
    recovered = false;
    startedAt = now();
    await launch();
  }

  return {
    kind: 'whatsapp',
    connectionId: connection.id,
    streams: false,
    status: () => status,
    /** Resolves once the client is launching; progress (QR code, ready) comes through `statusChanged`. */
    async start() {
      if (starting !== undefined) return starting;
      if (ACTIVE.has(status.state)) return;
      starting = doStart().finally(() => {
        starting = undefined;
      });
      return starting;
    },
    async stop() {
      await starting?.catch(() => undefined);
      generation += 1;
      cancelReconnect();
      await retire(client);
      await releaseLock();
      setStatus('stopped', { detail: 'Stopped. The saved login is kept: starting again needs no QR code.' });
    },
    async send(delivery) {
      await sender.send(delivery);
    },
  };
}
