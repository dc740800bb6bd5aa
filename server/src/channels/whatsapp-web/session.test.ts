import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWhatsAppWebAdapter } from './adapter.js';
import { createRealClient } from './real-client.js';
import { createHarness, createRecordingInbound, waitUntil, whatsappConnection, type Harness } from './test-fixtures/harness.js';

// W-09: session persistence edge cases (id pattern, a second process, a login lost before it was saved).

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
function track(harness: Harness): Harness {
  cleanups.push(() => harness.cleanup());
  return harness;
}
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nexusflow-wa-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('whatsapp-web adapter: connection ids', () => {
  for (const id of ['../escape', '..', 'a/b', 'a\\b', '', 'has space', 'ws1/../../etc']) {
    it(`refuses the id ${JSON.stringify(id)} before touching the disk`, () => {
      const dataDir = tempDir();
      const create = () =>
        createWhatsAppWebAdapter({
          connection: whatsappConnection({ id }),
          inbound: createRecordingInbound().inbound,
          messages: {} as never,
          dataDir,
          logger: pino({ level: 'silent' }),
        });
      expect(create).toThrow(/cannot name a login directory: it must match \^\[-_\\w\]\+\$/);
      expect(readdirSync(dataDir)).toEqual([]);
      expect(existsSync(path.join(dataDir, '..', 'escape'))).toBe(false);
    });
  }

  it('refuses a connection of another kind', () => {
    expect(() =>
      createWhatsAppWebAdapter({
        connection: whatsappConnection({ kind: 'whatsapp-cloud' }),
        inbound: createRecordingInbound().inbound,
        messages: {} as never,
        dataDir: tempDir(),
        logger: pino({ level: 'silent' }),
      }),
    ).toThrow(/runs connections of kind "whatsapp"/);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() =>
      createWhatsAppWebAdapter({
        connection: whatsappConnection(),
        inbound: createRecordingInbound().inbound,
        messages: {} as never,
        dataDir: tempDir(),
        logger: pino({ level: 'silent' }),
        limits: { perContactPerMinute: 0 },
      }),
    ).toThrow(/limits\.perContactPerMinute must be an integer of at least 1; got 0/);
  });
});

describe('whatsapp-web adapter: one process per number', () => {
  it('a second adapter on the same data directory is refused ("already running on another server") and touches nothing', async () => {
    const first = track(createHarness());
    const firstClient = await first.startReady();
    const profile = path.join(first.dataDir, 'whatsapp', `session-${first.connection.id}`);
    mkdirSync(profile, { recursive: true });
    writeFileSync(path.join(profile, 'Cookies'), 'login');

    const second = track(createHarness({ dataDir: first.dataDir, store: first.store, connection: first.connection }));
    await second.adapter.start();
    const refused = second.adapter.status();
    expect(refused.state).toBe('failed');
    expect(refused.detail).toMatch(new RegExp(`already running on another server \\(process ${process.pid} on ${hostname()}\\)`));
    expect(second.factory.clients).toEqual([]);
    expect(second.recording.states()).toEqual(['starting', 'failed']);

    // The first one is unharmed: still ready, same client, profile intact.
    expect(first.adapter.status().state).toBe('ready');
    expect(firstClient.destroyed).toBe(false);
    expect(readFileSync(path.join(profile, 'Cookies'), 'utf8')).toBe('login');

    // Stopping the second (which never ran) leaves the first's lock alone.
    await second.adapter.stop();
    expect(existsSync(`${profile}.lock`)).toBe(true);

    await first.adapter.stop();
    await second.startReady();
    expect(second.factory.clients).toHaveLength(1);
  });

  it('takes over a lock left by a crashed process once it is stale', async () => {
    const h = track(createHarness());
    const profile = path.join(h.dataDir, 'whatsapp', `session-${h.connection.id}`);
    mkdirSync(`${profile}.lock`, { recursive: true });
    writeFileSync(`${profile}.owner.json`, JSON.stringify({ pid: 999_999, hostname: 'crashed-host', at: 1 }));
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(`${profile}.lock`, old, old);
    await h.startReady();
    expect(JSON.parse(readFileSync(`${profile}.owner.json`, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
  });

  it('a fresh lock of another process is respected', async () => {
    const h = track(createHarness());
    const profile = path.join(h.dataDir, 'whatsapp', `session-${h.connection.id}`);
    mkdirSync(`${profile}.lock`, { recursive: true });
    writeFileSync(`${profile}.owner.json`, JSON.stringify({ pid: 4242, hostname: 'server-b', at: 1 }));
    await h.adapter.start();
    expect(h.adapter.status().detail).toMatch(/already running on another server \(process 4242 on server-b\)/);
    expect(h.factory.clients).toEqual([]);
  });
});

describe('whatsapp-web adapter: a login lost before it was saved', () => {
  it('a QR after an earlier ready says the session was not yet saved — scan again', async () => {
    const first = track(createHarness());
    await first.startReady();
    await waitUntil(() => existsSync(path.join(first.dataDir, 'whatsapp', `session-${first.connection.id}.paired.json`)), 'the pairing is noted on disk');
    await first.adapter.stop(); // or a crash: the profile on disk did not keep the login

    const restarted = track(createHarness({ dataDir: first.dataDir, store: first.store, connection: first.connection }));
    await restarted.adapter.start();
    restarted.factory.latest.emitQr('2@again');
    const status = await restarted.reach('waiting_for_qr');
    expect(status.detail).toMatch(/^The saved login could not be restored \(session not yet saved, or ended on the phone\) — scan again: /);
    expect(status.qr).toBe('2@again');
  });

  it('a first pairing just asks to link the number', async () => {
    const h = track(createHarness());
    await h.adapter.start();
    h.factory.latest.emitQr('2@first');
    expect((await h.reach('waiting_for_qr')).detail).toMatch(/^Link this number: open WhatsApp on the phone, Settings > Linked devices > Link a device/);
  });
});

describe('whatsapp-web adapter: the real client factory', () => {
  it('builds whatsapp-web.js Client with LocalAuth under <dataDir>/whatsapp and the system Chromium, without launching it', async () => {
    const dataDir = tempDir();
    const client = (await createRealClient({
      clientId: 'conn_1',
      dataPath: path.join(dataDir, 'whatsapp'),
      chromiumPath: '/usr/bin/chromium',
      webCachePath: path.join(dataDir, 'whatsapp', 'web-cache'),
    })) as unknown as {
      options: { puppeteer: Record<string, unknown>; webVersionCache: Record<string, unknown> };
      authStrategy: { clientId: string; dataPath: string; constructor: { name: string } };
      mediaFromUrl?: unknown;
      pupBrowser: unknown;
    };
    expect(client.authStrategy.constructor.name).toBe('LocalAuth');
    expect(client.authStrategy).toMatchObject({ clientId: 'conn_1', dataPath: path.join(dataDir, 'whatsapp') });
    expect(client.options.puppeteer).toMatchObject({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    expect(client.options.webVersionCache).toEqual({ type: 'local', path: path.join(dataDir, 'whatsapp', 'web-cache') });
    expect(typeof client.mediaFromUrl).toBe('function');
    expect(client.pupBrowser).toBeNull();
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
