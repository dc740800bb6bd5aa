import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelStatus, ChannelView, Deployment } from '../../api/index.js';
import { apiError, fakeServer, type FakeRoute } from '../testing/fake-api.js';
import { fakeStudio, renderLive } from '../testing/fake-studio.js';
import { ChannelsPage } from './ChannelsPage.js';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const DEPLOYMENT: Deployment = {
  id: 'd1',
  workspaceId: 'w1',
  flowId: 'support',
  key: 'support-bot',
  name: 'Support bot',
  versionId: 'v1',
  publishableKey: 'pk_1',
  history: [],
  createdAt: 0,
  updatedAt: 0,
};

// A QR code's SVG with markup that must never run: drawn as an image, it cannot.
const QR_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><script>window.pwned = true</script><path d="M0 0h7v7H0z"/></svg>';

const status = (state: ChannelStatus['state'], since: number, extra: Partial<ChannelStatus> = {}): ChannelStatus => ({ state, since, ...extra });

function channel(id: string, state: ChannelStatus, extra: Partial<ChannelView> = {}): ChannelView {
  return { id, deploymentId: 'd1', kind: 'whatsapp', name: `Line ${id}`, config: { ignoreGroups: true, ignoreOwn: true }, status: state, createdAt: 1, updatedAt: 1, ...extra };
}

function channelServer(initial: ChannelView[], routes: Record<string, FakeRoute> = {}) {
  let channels = initial;
  const server = fakeServer({
    'GET /workspaces/w1/channels': () => ({ body: { items: channels } }),
    'GET /workspaces/w1/deployments': { body: { items: [DEPLOYMENT] } },
    ...routes,
  });
  return { server, set: (next: ChannelView[]) => void (channels = next), get: () => channels };
}

const badge = (id: string) => screen.getByTestId(`channel-status-${id}`);

describe('ChannelsPage', () => {
  it('lists connections with kind, deployment and status, and follows pushed statuses: the QR code while waiting, gone once ready', async () => {
    const { server } = channelServer([channel('c1', status('starting', 10)), channel('c2', status('failed', 10, { detail: 'Chromium was not found at /usr/bin/chromium' }), { kind: 'whatsapp-cloud', name: 'Cloud line', webhookUrl: 'https://bots.example.com/api/v1/webhooks/whatsapp-cloud/c2' })]);
    const studio = fakeStudio();
    renderLive(<ChannelsPage ws="w1" />, server, studio);

    const row = await screen.findByTestId('channel-row-c1');
    expect(row.textContent).toContain('Line c1');
    expect(row.textContent).toContain('WhatsApp Web');
    await waitFor(() => expect(row.textContent).toContain('Support bot (support-bot)'));
    expect(badge('c1').textContent).toBe('starting');
    expect(badge('c2').textContent).toBe('failed');
    expect(screen.getByTestId('channel-status-c2-detail').textContent).toBe('Chromium was not found at /usr/bin/chromium');
    expect(screen.getByTestId('channel-row-c2').textContent).toContain('WhatsApp Cloud API');
    expect(screen.getByTestId('channel-webhook-c2').textContent).toBe('https://bots.example.com/api/v1/webhooks/whatsapp-cloud/c2');

    // The page subscribes with the stored token once connected.
    await waitFor(() => expect(studio.emitted('channels.watch').map((e) => [e.payload, e.token])).toEqual([[{ workspaceId: 'w1' }, 'test-token']]));
    await waitFor(() => expect(screen.getByTestId('live-status').getAttribute('data-state')).toBe('live'));

    await studio.push('channel.status', { connectionId: 'c1', status: status('waiting_for_qr', 20, { qr: '2@abc', qrSvg: QR_SVG }) });
    expect(badge('c1').textContent).toBe('waiting for QR');
    const image = screen.getByTestId('channel-qr-c1') as HTMLImageElement;
    expect(image.tagName).toBe('IMG');
    expect(image.getAttribute('src')!.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const drawn = new TextDecoder().decode(Uint8Array.from(atob(image.getAttribute('src')!.split(',')[1]!), (c) => c.charCodeAt(0)));
    expect(drawn).toBe(QR_SVG);
    // Drawn as an image, never as markup: no <svg> or <script> of it is in the page.
    expect(document.querySelector('svg path[d="M0 0h7v7H0z"]')).toBeNull();
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
    expect(screen.getByTestId('ban-risk-short').textContent).toMatch(/unofficial client/i);

    await studio.push('channel.status', { connectionId: 'c1', status: status('ready', 30) });
    expect(badge('c1').textContent).toBe('ready');
    expect(screen.queryByTestId('channel-qr-panel-c1')).toBeNull();

    // An older status arriving late does not undo a newer one.
    await studio.push('channel.status', { connectionId: 'c1', status: status('waiting_for_qr', 25, { qrSvg: QR_SVG }) });
    expect(badge('c1').textContent).toBe('ready');

    // Logged out: the server's sentence says what to do; without one, the editor says it.
    await studio.push('channel.status', { connectionId: 'c1', status: status('needs_qr', 40, { detail: 'WhatsApp logged this device out (LOGOUT). Press Start and scan the new QR code.' }) });
    expect(badge('c1').textContent).toBe('needs QR re-scan');
    expect(screen.getByTestId('channel-status-c1-detail').textContent).toBe('WhatsApp logged this device out (LOGOUT). Press Start and scan the new QR code.');
    expect(screen.getByTestId('channel-start-c1')).toBeTruthy();
    await studio.push('channel.status', { connectionId: 'c1', status: status('needs_qr', 50) });
    expect(screen.getByTestId('channel-row-c1').textContent).toContain('Start it again and scan the new QR code.');
  });

  it('shows the QR code after a reload from what the server answers, and catches up after a dropped connection', async () => {
    const { server, set } = channelServer([channel('c1', status('waiting_for_qr', 10, { qrSvg: QR_SVG }))]);
    let latest = () => [channel('c1', status('waiting_for_qr', 10, { qrSvg: QR_SVG }))];
    const studio = fakeStudio({ 'channels.watch': () => ({ ok: true, items: latest() }) });
    renderLive(<ChannelsPage ws="w1" />, server, studio);
    expect((await screen.findByTestId('channel-qr-c1')).getAttribute('alt')).toBe('QR code to link WhatsApp to Line c1');
    await waitFor(() => expect(studio.emitted('channels.watch')).toHaveLength(1));

    // It became ready while the socket was away: the renewed subscription's answer brings it.
    latest = () => [channel('c1', status('ready', 50))];
    set(latest());
    studio.reconnect();
    await waitFor(() => expect(badge('c1').textContent).toBe('ready'));
    expect(studio.emitted('channels.watch')).toHaveLength(2);
  });

  it('says when live statuses are off and why', async () => {
    const { server } = channelServer([channel('c1', status('ready', 10))]);
    const studio = fakeStudio({ 'channels.watch': () => ({ ok: false, error: { code: 'forbidden', message: 'channel statuses need the editor role' } }) });
    renderLive(<ChannelsPage ws="w1" />, server, studio);
    expect((await screen.findByTestId('channels-live-off')).textContent).toContain('channel statuses need the editor role');
    expect(screen.getByTestId('live-status').getAttribute('data-state')).toBe('offline');
  });

  it('connects WhatsApp Web: warns about the ban risk, sends the options, and the new connection shows its status', async () => {
    const { server } = channelServer([], {
      'POST /workspaces/w1/channels': (request) => ({ status: 201, body: channel('c9', status('starting', 5), { name: (request.body as { name: string }).name }) }),
    });
    const studio = fakeStudio();
    renderLive(<ChannelsPage ws="w1" />, server, studio);
    expect((await screen.findByTestId('channels-empty')).textContent).toContain('No WhatsApp number');

    fireEvent.click(screen.getByTestId('channel-connect'));
    const dialog = screen.getByTestId('channel-create-dialog');
    const warning = within(dialog).getByTestId('ban-risk');
    expect(warning.textContent).toMatch(/unofficial client/);
    expect(warning.textContent).toMatch(/block the number/);
    expect(warning.textContent).toMatch(/paces and caps outbound messages: at least 1 s between sends, at most 12 messages to one contact a minute, 300 per number an hour, and 20 new contacts/);
    await waitFor(() => expect((within(dialog).getByTestId('channel-create-deployment') as HTMLSelectElement).value).toBe('d1'));
    fireEvent.change(within(dialog).getByTestId('channel-create-name'), { target: { value: 'Shop line' } });
    fireEvent.click(within(dialog).getByTestId('channel-create-ignore-own'));
    fireEvent.click(within(dialog).getByTestId('channel-create-submit'));

    await waitFor(() => expect(screen.queryByTestId('channel-create-dialog')).toBeNull());
    expect(server.sent('POST', '/workspaces/w1/channels').map((r) => r.body)).toEqual([{ deploymentId: 'd1', kind: 'whatsapp', name: 'Shop line', config: { ignoreGroups: true, ignoreOwn: false } }]);
    expect(screen.getByTestId('channel-row-c9').textContent).toContain('Shop line');
    expect(badge('c9').textContent).toBe('starting');
  });

  it('connects the Cloud API: every credential is required, field problems show at their fields, and the webhook URL is shown to paste into Meta', async () => {
    let attempts = 0;
    const { server } = channelServer([], {
      'POST /workspaces/w1/channels': () => {
        attempts += 1;
        if (attempts === 1) return apiError(400, 'invalid_body', 'the request body has 1 problem', [{ pointer: '/config/phoneNumberId', message: 'must be digits only' }]);
        return { status: 201, body: channel('c5', status('ready', 5), { kind: 'whatsapp-cloud', name: 'WhatsApp', webhookUrl: 'https://bots.example.com/api/v1/webhooks/whatsapp-cloud/c5' }) };
      },
    });
    renderLive(<ChannelsPage ws="w1" />, server, fakeStudio());
    await screen.findByTestId('channels-empty');
    fireEvent.click(screen.getByTestId('channel-connect'));
    fireEvent.click(screen.getByTestId('channel-create-kind-whatsapp-cloud'));
    expect(screen.queryByTestId('ban-risk')).toBeNull();
    const submit = screen.getByTestId('channel-create-submit') as HTMLButtonElement;
    const fill = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
    fill('channel-create-phone-number-id', 'PN-1');
    fill('channel-create-app-secret', 'app-secret');
    fill('channel-create-access-token', 'EAAG-token');
    expect(submit.disabled).toBe(true);
    fireEvent.click(screen.getByTestId('channel-create-verify-token-generate'));
    const verifyToken = (screen.getByTestId('channel-create-verify-token') as HTMLInputElement).value;
    expect(verifyToken).toMatch(/^[0-9a-f]{36}$/);
    fill('channel-create-graph-base-url', 'ftp://graph.local');
    expect(screen.getByText(/must start with https:\/\//)).toBeTruthy();
    expect(submit.disabled).toBe(true);
    fill('channel-create-graph-base-url', 'http://127.0.0.1:9999/v21.0');
    await waitFor(() => expect(submit.disabled).toBe(false));

    fireEvent.click(submit);
    expect(await screen.findByText('must be digits only')).toBeTruthy();
    fill('channel-create-phone-number-id', '1234567890');
    fireEvent.click(submit);
    const url = await screen.findByTestId('channel-webhook-url');
    expect(url.textContent).toBe('https://bots.example.com/api/v1/webhooks/whatsapp-cloud/c5');
    expect(screen.getByTestId('channel-webhook-verify-token').textContent).toBe(verifyToken);
    expect(server.sent('POST', '/workspaces/w1/channels')[1]!.body).toEqual({
      deploymentId: 'd1',
      kind: 'whatsapp-cloud',
      name: 'WhatsApp',
      config: { phoneNumberId: '1234567890', verifyToken, appSecret: 'app-secret', accessToken: 'EAAG-token', graphBaseUrl: 'http://127.0.0.1:9999/v21.0' },
    });
    fireEvent.click(screen.getByTestId('channel-create-done'));
    expect(screen.getByTestId('channel-row-c5').textContent).toContain('WhatsApp Cloud API');
  });

  it('stops and starts a connection, shows a refusal, and deletes one only after confirming', async () => {
    const { server, set } = channelServer([channel('c1', status('ready', 10))], {
      'POST /workspaces/w1/channels/c1/stop': () => ({ body: channel('c1', status('stopped', 20)) }),
      'POST /workspaces/w1/channels/c1/start': apiError(409, 'already_running', 'this WhatsApp account is already running on another server'),
      'DELETE /workspaces/w1/channels/c1': () => {
        set([]);
        return { status: 204 };
      },
    });
    renderLive(<ChannelsPage ws="w1" />, server, fakeStudio());
    fireEvent.click(await screen.findByTestId('channel-stop-c1'));
    await waitFor(() => expect(badge('c1').textContent).toBe('stopped'));
    fireEvent.click(screen.getByTestId('channel-start-c1'));
    expect((await screen.findByTestId('channel-run-error')).textContent).toContain('Line c1 did not start: this WhatsApp account is already running on another server');

    fireEvent.click(screen.getByTestId('channel-delete-c1'));
    const confirm = screen.getByTestId('confirm-dialog');
    expect(confirm.textContent).toContain('Delete the connection "Line c1"?');
    fireEvent.click(within(confirm).getByTestId('confirm-cancel'));
    expect(server.sent('DELETE', '/workspaces/w1/channels/c1')).toHaveLength(0);
    fireEvent.click(screen.getByTestId('channel-delete-c1'));
    fireEvent.click(within(screen.getByTestId('confirm-dialog')).getByTestId('confirm-ok'));
    await waitFor(() => expect(screen.queryByTestId('channel-row-c1')).toBeNull());
    expect(server.sent('DELETE', '/workspaces/w1/channels/c1')).toHaveLength(1);
  });
});
