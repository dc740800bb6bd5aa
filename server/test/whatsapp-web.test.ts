import { createFakeClientFactory } from '../src/channels/whatsapp-web/index.js';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow, startTestServer, type TestServer } from './harness.js';

/**
 * WhatsApp Web through the whole server: a connection made through the API, statuses and the QR
 * code pushed to the editor's socket, messages in and replies out through whatsapp-web.js's client
 * (a fake with the same events and methods: no WhatsApp account can be reached here).
 */
let server: TestServer;
let owner: Awaited<ReturnType<TestServer['signUp']>>;
const fakes = createFakeClientFactory();
const sockets: Socket[] = [];

const flow = {
  format: 'nexusflow/flow@1',
  id: 'wa-bot',
  name: 'WhatsApp bot',
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    { id: 'route', type: 'core/branch', position: { x: 200, y: 0 }, config: { conditions: [{ port: 'photo', when: "message.text = 'photo'" }], otherwise: 'echo' } },
    { id: 'echo', type: 'core/reply', position: { x: 400, y: 0 }, config: { text: 'You said: {{ message.text }}' } },
    { id: 'photo', type: 'core/reply', position: { x: 400, y: 150 }, config: { text: 'Here it is', media: { url: 'https://example.com/cat.png', type: 'image' } } },
  ],
  edges: [
    { id: 'e1', source: 'start', port: 'out', target: 'route' },
    { id: 'e2', source: 'route', port: 'echo', target: 'echo' },
    { id: 'e3', source: 'route', port: 'photo', target: 'photo' },
  ],
};

async function until<T>(what: string, read: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  server = await startTestServer({}, { channels: { createWhatsAppClient: fakes.createClient, whatsappLimits: { minIntervalMs: 5 } } });
  owner = await server.signUp('WhatsApp owner');
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await server?.stop();
});

describe('WhatsApp Web connections', () => {
  it('pairs by QR code shown live in the editor, answers messages, and lets an operator take over', async () => {
    const deployment = await deployFlow(server, owner.workspaceId, flow);
    const studio = connect(`${server.url}/studio`, { auth: { token: owner.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(studio);
    const statuses: { connectionId: string; status: { state: string; qrSvg?: string } }[] = [];
    studio.on('channel.status', (event) => statuses.push(event));
    expect(await studio.timeout(10_000).emitWithAck('channels.watch', { workspaceId: owner.workspaceId })).toMatchObject({ ok: true, items: [] });

    const created = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/channels`, { token: owner.token, body: { deploymentId: deployment.id, kind: 'whatsapp', name: 'Sales line' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ kind: 'whatsapp', name: 'Sales line', deploymentId: deployment.id });
    // The login lives under the data directory, one folder per connection.
    expect(fakes.inits.at(-1)).toMatchObject({ clientId: id, chromiumPath: '/usr/bin/chromium' });
    expect(fakes.inits.at(-1)?.dataPath.startsWith(server.dataDir)).toBe(true);

    const client = fakes.latest;
    client.emitQr('2@pairing-code-text');
    const waiting = await until('the QR status', () => statuses.find((s) => s.connectionId === id && s.status.state === 'waiting_for_qr'));
    expect(waiting.status.qrSvg).toContain('<svg');
    // A page reload reads the same state back.
    const reloaded = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/channels/${id}`, { token: owner.token });
    expect(reloaded.body.status).toMatchObject({ state: 'waiting_for_qr', qr: '2@pairing-code-text' });

    client.emitAuthenticated();
    client.emitReady();
    await until('ready', () => statuses.find((s) => s.connectionId === id && s.status.state === 'ready'));
    expect((await server.ctx.store.channels.get(owner.workspaceId, id))?.status).toBe('ready');

    client.receive({ from: '15551234567@c.us', body: 'hello there', notifyName: 'Grace' });
    const echoed = await until('the reply', () => client.sent.find((m) => m.body === 'You said: hello there'));
    expect(echoed.chatId).toBe('15551234567@c.us');
    client.receive({ from: '15551234567@c.us', body: 'photo' });
    const photo = await until('the photo', () => client.sent.find((m) => m.media !== undefined));
    expect(photo).toMatchObject({ chatId: '15551234567@c.us', body: 'Here it is' });
    // Group messages are ignored by default.
    client.receive({ from: '1203630000@g.us', author: '15559999999@c.us', body: 'group hello' });

    const contacts = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/contacts`, { token: owner.token });
    expect(contacts.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ channel: 'whatsapp', externalId: '15551234567@c.us', name: 'Grace' })]));
    expect(contacts.body.items.some((c: { externalId: string }) => c.externalId.includes('@g.us') || c.externalId === '15559999999@c.us')).toBe(false);

    const sessions = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/sessions?deploymentId=${deployment.id}`, { token: owner.token });
    const sessionId = sessions.body.items[0].id as string;
    expect(sessions.body.items[0].channel).toBe('whatsapp');
    await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/handoff`, { token: owner.token });
    const before = client.sent.length;
    client.receive({ from: '15551234567@c.us', body: 'can a human help?' });
    const transcriptText = async () => {
      const transcript = await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/transcript`, { token: owner.token });
      return (transcript.body.items as { role: string; text: string }[]).map((e) => `${e.role}:${e.text}`);
    };
    await until('the message in the transcript', async () => (await transcriptText()).includes('user:can a human help?'));
    const answer = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/sessions/${sessionId}/messages`, { token: owner.token, body: { text: 'Hi Grace, Ana here.' } });
    expect(answer.status).toBe(201);
    await until('the operator answer on WhatsApp', () => client.sent.find((m) => m.body === 'Hi Grace, Ana here.'));
    // The flow stayed quiet while the operator had the conversation.
    expect(client.sent.slice(before).map((m) => m.body)).toEqual(['Hi Grace, Ana here.']);
    expect((await transcriptText()).slice(-2)).toEqual(['user:can a human help?', 'operator:Hi Grace, Ana here.']);
  });

  it('stays stopped when stopped, restarts on start, and refuses connections to other workspaces', async () => {
    const deployment = await deployFlow(server, owner.workspaceId, { ...flow, id: 'wa-bot-2' });
    const created = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/channels`, { token: owner.token, body: { deploymentId: deployment.id, kind: 'whatsapp', name: 'Second line', config: { ignoreGroups: false } } });
    const id = created.body.id as string;
    expect(created.body.config).toEqual({ ignoreGroups: false });
    const stopped = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/channels/${id}/stop`, { token: owner.token });
    expect(stopped.body.status.state).toBe('stopped');
    expect((await server.ctx.store.channels.get(owner.workspaceId, id))?.status).toBe('stopped');
    const started = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/channels/${id}/start`, { token: owner.token });
    expect(started.status).toBe(200);
    expect(['starting', 'waiting_for_qr']).toContain(started.body.status.state);

    const bad = await server.request('POST', `/api/v1/workspaces/${owner.workspaceId}/channels`, { token: owner.token, body: { deploymentId: deployment.id, kind: 'whatsapp', name: 'x', config: { ignoreGroups: 'yes' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '/config/ignoreGroups' })]));
    const stranger = await server.signUp('Stranger');
    expect((await server.request('GET', `/api/v1/workspaces/${owner.workspaceId}/channels/${id}`, { token: stranger.token })).status).toBe(404);
    expect((await server.request('POST', `/api/v1/workspaces/${stranger.workspaceId}/channels`, { token: stranger.token, body: { deploymentId: deployment.id, kind: 'whatsapp', name: 'steal' } })).status).toBe(404);

    expect((await server.request('DELETE', `/api/v1/workspaces/${owner.workspaceId}/channels/${id}`, { token: owner.token })).status).toBe(204);
    expect(server.ctx.channels.adapter(id)).toBeUndefined();
  });
});

describe('WhatsApp Web across a restart', () => {
  it('starts the connection again with the same saved login, so no new QR is needed', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-wa-restart-'));
    const factory = createFakeClientFactory();
    const first = await startTestServer({ DATA_DIR: dataDir }, { channels: { createWhatsAppClient: factory.createClient } });
    try {
      const user = await first.signUp('Restarter');
      const deployment = await deployFlow(first, user.workspaceId, flow);
      const created = await first.request('POST', `/api/v1/workspaces/${user.workspaceId}/channels`, { token: user.token, body: { deploymentId: deployment.id, kind: 'whatsapp', name: 'Line' } });
      const id = created.body.id as string;
      factory.latest.emitQr('qr-1');
      factory.latest.emitAuthenticated();
      factory.latest.emitReady();
      await until('ready', () => first.ctx.channels.adapter(id)?.status().state === 'ready');
      await first.close();

      const second = await startTestServer({ DATA_DIR: dataDir }, { channels: { createWhatsAppClient: factory.createClient } });
      try {
        await until('the restarted client', () => factory.inits.length === 2);
        expect(factory.inits[1]).toEqual(factory.inits[0]);
        // The saved login is restored: ready without any QR.
        factory.latest.emitAuthenticated();
        factory.latest.emitReady();
        await until('ready again', () => second.ctx.channels.adapter(id)?.status().state === 'ready');
        const shown = await second.request('GET', `/api/v1/workspaces/${user.workspaceId}/channels/${id}`, { token: user.token });
        expect(shown.body.status.state).toBe('ready');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
