import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { SESSION_CLOSED_MESSAGE } from './fake-client.js';
import { checkEachTest, createHarness, waitUntil, type Harness } from './test-fixtures/harness.js';

// W-08 (disconnect reasons, Session closed), QR -> ready, stop/start, launch failures.

let h: Harness;
checkEachTest(() => h);

const profileOf = (harness: Harness) => path.join(harness.dataDir, 'whatsapp', `session-${harness.connection.id}`);

describe('whatsapp-web adapter: pairing', () => {
  it('goes starting -> waiting_for_qr (text and SVG) -> starting (logged in) -> ready, and status() follows', async () => {
    h = createHarness({ adapter: { backoff: { initialMs: 1_000, maxMs: 8_000 } } });
    expect(h.adapter.status().state).toBe('stopped');
    await h.adapter.start();
    expect(h.factory.inits).toEqual([{ clientId: h.connection.id, dataPath: path.join(h.dataDir, 'whatsapp'), chromiumPath: '/usr/bin/chromium' }]);
    expect(h.factory.latest.initializeCalls).toBe(1);
    expect(h.adapter.status().state).toBe('starting');

    h.factory.latest.emitQr('2@abc,def,ghi');
    const waiting = await h.reach('waiting_for_qr');
    expect(waiting.qr).toBe('2@abc,def,ghi');
    expect(waiting.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(waiting.detail).toMatch(/Linked devices/);

    h.factory.latest.emitQr('2@second');
    await waitUntil(() => h.adapter.status().qr === '2@second', 'the refreshed QR code is shown');

    h.factory.latest.emitAuthenticated();
    expect((await h.reach('starting')).detail).toMatch(/Logged in/);
    h.factory.latest.emitReady();
    const ready = await h.reach('ready');
    expect(ready.detail).toBe(`Connected as ${h.factory.latest.me}.`);
    expect(ready.qr).toBeUndefined();
    expect(h.recording.states()).toEqual(['starting', 'waiting_for_qr', 'waiting_for_qr', 'starting', 'ready']);
    expect(h.recording.statuses.at(-1)).toBe(h.adapter.status());
    expect(ready.since).toBe(h.clock.now());
  });

  it('never shows a QR code that finished drawing after the login', async () => {
    h = createHarness();
    await h.adapter.start();
    h.factory.latest.emitQr('2@late');
    h.factory.latest.emitAuthenticated();
    h.factory.latest.emitReady();
    await h.reach('ready');
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the QR drawing finish
    expect(h.adapter.status().state).toBe('ready');
    expect(h.recording.states()).not.toContain('waiting_for_qr');
  });

  it('start() twice runs one client; stop() destroys it, releases the lock and keeps the login on disk', async () => {
    h = createHarness();
    await Promise.all([h.adapter.start(), h.adapter.start()]);
    const first = await h.startReady();
    expect(h.factory.clients).toHaveLength(1);
    expect(existsSync(`${profileOf(h)}.lock`)).toBe(true);
    mkdirSync(profileOf(h), { recursive: true }); // LocalAuth's profile, as the real client leaves it
    writeFileSync(path.join(profileOf(h), 'Local State'), '{}');

    await h.adapter.stop();
    expect(first.destroyed).toBe(true);
    expect(h.adapter.status()).toMatchObject({ state: 'stopped', detail: expect.stringMatching(/saved login is kept/) });
    expect(existsSync(`${profileOf(h)}.lock`)).toBe(false);
    expect(existsSync(path.join(profileOf(h), 'Local State'))).toBe(true);

    // Events of the stopped client change nothing.
    first.emitDisconnected('NAVIGATION');
    first.receive({ from: '15551234567@c.us', body: 'late' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.adapter.status().state).toBe('stopped');
    expect(h.recording.received).toEqual([]);

    await h.startReady();
    expect(h.factory.clients).toHaveLength(2);
  });
});

describe('whatsapp-web adapter: disconnects (W-08)', () => {
  const backoff = { initialMs: 1_000, maxMs: 8_000 };

  for (const reason of ['NAVIGATION', 'SOMETHING_NEW_FROM_WHATSAPP', undefined]) {
    it(`reconnects after "disconnected" with ${reason ?? 'no reason'}: old client destroyed, a new one after the backoff`, async () => {
      h = createHarness({ adapter: { backoff } });
      const first = await h.startReady();
      first.emitDisconnected(reason);
      const down = await h.reach('disconnected');
      expect(down.detail).toMatch(new RegExp(`Connection lost: ${reason ?? 'no reason given'}\\. Reconnecting in 750 ms \\(attempt 1\\)`));
      await waitUntil(() => first.destroyed, 'the old client is destroyed');
      expect(h.clock.pendingDelays()).toEqual([backoffDelay(1, backoff, () => 0.5)]);
      expect(h.factory.clients).toHaveLength(1);

      h.clock.fireNext();
      await waitUntil(() => h.factory.clients.length === 2, 'a new client is created');
      const second = h.factory.latest;
      expect(second.initializeCalls).toBe(1);
      second.emitReady();
      await h.reach('ready');
      expect(h.clock.pendingDelays()).toEqual([]);
    });
  }

  it('backs off exponentially with jitter, never above maxMs, and starts over after a ready', async () => {
    h = createHarness({ adapter: { backoff, random: () => 1 } });
    await h.startReady();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 7; attempt += 1) {
      h.factory.latest.emitDisconnected('NAVIGATION');
      await waitUntil(() => h.clock.pendingDelays().length === 1, `reconnect ${attempt} is planned`);
      delays.push(h.clock.fireNext()!);
      await waitUntil(() => h.factory.clients.length === attempt + 1, `client ${attempt + 1} is created`);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000]);
    // Jitter: the same attempt with other random draws stays within [half, all] of its ceiling.
    expect(backoffDelay(3, backoff, () => 0)).toBe(2_000);
    expect(backoffDelay(3, backoff, () => 0.5)).toBe(3_000);
    expect(backoffDelay(60, backoff, () => 1)).toBe(8_000);

    h.factory.latest.emitReady();
    await h.reach('ready');
    h.factory.latest.emitDisconnected('NAVIGATION');
    await waitUntil(() => h.clock.pendingDelays().length === 1, 'a reconnect is planned');
    expect(h.clock.pendingDelays()).toEqual([1_000]);
    expect(h.adapter.status().detail).toMatch(/attempt 1\)/);
  });

  it('a failed reconnect (initialize rejects) is retried with a longer wait', async () => {
    h = createHarness({ adapter: { backoff, random: () => 1 } });
    const first = await h.startReady();
    h.factory.onClient = (client, index) => index === 1 && client.failNextInitialize('net::ERR_INTERNET_DISCONNECTED at https://web.whatsapp.com/');
    first.emitDisconnected('CONFLICT');
    await waitUntil(() => h.clock.pendingDelays().length === 1, 'a reconnect is planned');
    expect(h.clock.fireNext()).toBe(1_000);
    await waitUntil(() => h.clock.pendingDelays().length === 1, 'a second reconnect is planned');
    expect(h.adapter.status().detail).toMatch(/did not open \(net::ERR_INTERNET_DISCONNECTED.*attempt 2\)/);
    expect(h.clock.pendingDelays()).toEqual([2_000]);
    h.clock.fireNext();
    await waitUntil(() => h.factory.clients.length === 3, 'a third client is created');
    h.factory.latest.emitReady();
    await h.reach('ready');
  });

  for (const reason of ['LOGOUT', 'UNPAIRED']) {
    it(`${reason}: needs_qr, the saved login removed, no reconnect loop, the lock released`, async () => {
      h = createHarness({ adapter: { backoff } });
      const first = await h.startReady();
      mkdirSync(profileOf(h), { recursive: true });
      writeFileSync(path.join(profileOf(h), 'Cookies'), 'x');
      first.emitDisconnected(reason);
      const status = await h.reach('needs_qr');
      expect(status.detail).toMatch(new RegExp(`logged this device out \\(${reason}\\); the saved login was removed\\. Press Start and scan the new QR code`));
      expect(first.destroyed).toBe(true);
      expect(existsSync(profileOf(h))).toBe(false);
      expect(existsSync(`${profileOf(h)}.paired.json`)).toBe(false);
      expect(existsSync(`${profileOf(h)}.lock`)).toBe(false);
      expect(h.clock.pendingDelays()).toEqual([]);
      h.clock.advance(60 * 60_000);
      expect(h.factory.clients).toHaveLength(1);

      // The next start asks for a QR code.
      await h.adapter.start();
      h.factory.latest.emitQr('2@fresh');
      expect((await h.reach('waiting_for_qr')).detail).toMatch(/^Link this number/);
    });
  }

  it('auth_failure: needs_qr and the saved login removed', async () => {
    h = createHarness();
    await h.adapter.start();
    mkdirSync(profileOf(h), { recursive: true });
    h.factory.latest.emitAuthFailure('restore failed');
    expect((await h.reach('needs_qr')).detail).toMatch(/refused the saved login \(restore failed\)/);
    expect(existsSync(profileOf(h))).toBe(false);
  });

  it('a ban (TOS_BLOCK) fails without reconnecting; an unscanned QR ends in needs_qr', async () => {
    h = createHarness();
    (await h.startReady()).emitDisconnected('TOS_BLOCK');
    expect((await h.reach('failed')).detail).toMatch(/WhatsApp blocked this number \(TOS_BLOCK\)/);
    expect(h.clock.pendingDelays()).toEqual([]);

    await h.adapter.start();
    h.factory.latest.emitQr();
    h.factory.latest.emitDisconnected('Max qrcode retries reached');
    expect((await h.reach('needs_qr')).detail).toMatch(/not scanned in time/);
    expect(h.clock.pendingDelays()).toEqual([]);
  });

  it('"Session closed" from a call is caught, logged and treated as a disconnect', async () => {
    h = createHarness({ adapter: { backoff } });
    const first = await h.startReady();
    first.closeSession();
    await expect(
      h.adapter.send({ workspaceId: h.connection.workspaceId, sessionId: 's1', contactExternalId: '15551234567@c.us', key: 'k1', message: { text: 'hello' }, from: 'flow' }),
    ).rejects.toMatchObject({ code: 'channel_unavailable', message: expect.stringMatching(/page closed .*Session closed.*reconnecting/) });
    expect((await h.reach('disconnected')).detail).toMatch(/WhatsApp Web page closed/);
    expect(h.logs.some((l) => String(l.msg).includes('WhatsApp did not confirm') && (l.err as { message?: string } | undefined)?.message === SESSION_CLOSED_MESSAGE)).toBe(true);
    h.clock.fireNext();
    await waitUntil(() => h.factory.clients.length === 2, 'a new client is created');
    h.factory.latest.emitReady();
    await h.reach('ready');
  });

  it('initialize rejecting with "Session closed" reconnects too', async () => {
    h = createHarness({ adapter: { backoff } });
    h.factory.onClient = (client, index) => index === 0 && client.failNextInitialize(SESSION_CLOSED_MESSAGE);
    await h.adapter.start();
    expect((await h.reach('disconnected')).detail).toMatch(/did not open \(Protocol error/);
    h.clock.fireNext();
    await waitUntil(() => h.factory.clients.length === 2, 'the second client is created');
    h.factory.latest.emitReady();
    await h.reach('ready');
  });
});

describe('whatsapp-web adapter: launch failures', () => {
  it('a missing Chromium fails with the path and how to fix it, before anything is launched', async () => {
    h = createHarness({ adapter: { createClient: undefined, chromiumPath: '/nonexistent/chromium' } });
    await h.adapter.start();
    const status = await h.reach('failed');
    expect(status.detail).toMatch(/^Chromium could not be started from "\/nonexistent\/chromium" .*apt-get install chromium/);
    expect(existsSync(`${profileOf(h)}.lock`)).toBe(false);
  });

  for (const [error, expected] of [
    ['Failed to launch the browser process! spawn /usr/bin/chromium ENOENT', /^Chromium could not be started from "\/usr\/bin\/chromium"/],
    ['Failed to launch the browser process! The profile appears to be in use by another Chromium process', /profile of this connection is in use by another browser/],
  ] as const) {
    it(`initialize failing with "${error.slice(0, 60)}..." fails clearly and does not retry`, async () => {
      h = createHarness();
      h.factory.onClient = (client) => client.failNextInitialize(error);
      await h.adapter.start();
      expect((await h.reach('failed')).detail).toMatch(expected);
      expect(h.clock.pendingDelays()).toEqual([]);
      expect(h.factory.latest.destroyed).toBe(true);
    });
  }

});
