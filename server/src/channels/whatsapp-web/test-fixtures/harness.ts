import { afterEach, beforeEach, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { InboundMessage } from '../../../chat/chat-service.js';
import { newId } from '../../../store/ids.js';
import { openSqliteStore, type SqliteStore } from '../../../store/sqlite/index.js';
import type { ChannelConnection } from '../../../store/types.js';
import type { ChannelAdapter, ChannelInbound, ChannelState, ChannelStatus } from '../../types.js';
import { createWhatsAppWebAdapter } from '../adapter.js';
import { createFakeClientFactory } from '../fake-client.js';
import { createManualClock, type ManualClock } from '../manual-clock.js';
import type { WhatsAppWebAdapterOptions } from '../types.js';

export interface Received {
  connectionId: string;
  contact: { externalId: string; name?: string };
  message: InboundMessage;
}

/** A `ChannelInbound` that keeps what it got; `onReceive` plays the chat service (reply, fail, wait). */
export function createRecordingInbound() {
  const statuses: ChannelStatus[] = [];
  const received: Received[] = [];
  let onReceive: ((entry: Received) => Promise<void> | void) | undefined;
  const inbound: ChannelInbound = {
    async receive(connection, contact, message) {
      const entry = { connectionId: connection.id, contact, message };
      received.push(entry);
      await onReceive?.(entry);
    },
    statusChanged(_connection, status) {
      statuses.push(status);
    },
  };
  return {
    inbound,
    statuses,
    received,
    states: () => statuses.map((s) => s.state),
    set onReceive(handler: ((entry: Received) => Promise<void> | void) | undefined) {
      onReceive = handler;
    },
  };
}

/** Waits (without asserting on time) until `check` holds; fails with `what` after a generous bound. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, i < 50 ? 0 : 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

export function whatsappConnection(overrides: Partial<ChannelConnection> = {}): ChannelConnection {
  return {
    id: newId(),
    workspaceId: newId(),
    deploymentId: newId(),
    kind: 'whatsapp',
    name: 'Support line',
    config: {},
    status: 'stopped',
    createdAt: 1,
    updatedAt: 1,
    ...overrides,
  };
}

export interface HarnessOptions {
  connection?: ChannelConnection;
  /** Shares a data directory (and store) with another harness: two servers on one disk. */
  dataDir?: string;
  store?: SqliteStore;
  clock?: ManualClock;
  adapter?: Partial<WhatsAppWebAdapterOptions>;
}

/**
 * One adapter on a real SQLite store in a temporary directory, with fake clients, a manual clock
 * and a recording inbound. `logs` holds every log line as an object.
 */
export function createHarness(options: HarnessOptions = {}) {
  const root = options.dataDir === undefined ? mkdtempSync(path.join(tmpdir(), 'nexusflow-wa-')) : undefined;
  const dataDir = options.dataDir ?? root!;
  const clock = options.clock ?? createManualClock();
  const store = options.store ?? openSqliteStore({ file: path.join(dataDir, 'nexusflow.db'), now: clock.now });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const factory = createFakeClientFactory({ now: clock.now });
  const recording = createRecordingInbound();
  const connection = options.connection ?? whatsappConnection();
  const adapter: ChannelAdapter = createWhatsAppWebAdapter({
    connection,
    inbound: recording.inbound,
    messages: store.channelMessages,
    dataDir,
    logger,
    now: clock.now,
    timers: clock.timers,
    random: () => 0.5,
    createClient: factory.createClient,
    ...options.adapter,
    // Pacing off unless a test asks for it: a manual clock that nobody advances would hold sends forever.
    limits: { minIntervalMs: 0, ...options.adapter?.limits },
  });

  return {
    adapter,
    connection,
    store,
    clock,
    factory,
    recording,
    dataDir,
    logs,
    /** Waits until the adapter reports `state`. */
    async reach(state: ChannelState): Promise<ChannelStatus> {
      await waitUntil(() => adapter.status().state === state, `the adapter is ${state} (it is ${adapter.status().state})`);
      return adapter.status();
    },
    /** Starts and plays QR -> ready on the fake. */
    async startReady() {
      await adapter.start();
      factory.latest.emitReady();
      await waitUntil(() => adapter.status().state === 'ready', 'the adapter is ready');
      return factory.latest;
    },
    async cleanup() {
      await adapter.stop().catch(() => undefined);
      if (options.store === undefined) await store.close();
      if (root !== undefined) rmSync(root, { recursive: true, force: true });
    },
  };
}
export type Harness = ReturnType<typeof createHarness>;

/**
 * Registers the hooks every adapter test file shares: each test ends by cleaning up its harness
 * and fails if anything rejected without a handler (the adapter must never leak a rejection, W-08).
 */
export function checkEachTest(current: () => Harness | undefined): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    await current()?.cleanup();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
}
