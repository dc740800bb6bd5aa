import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClientFactory } from '../src/channels/whatsapp-web/index.js';
import { until } from './catalogue-helpers.js';
import { deployFlow, startTestServer, type TestServer } from './harness.js';
import { SHARED_REDIS_URL, testPrefix } from './scale-out-helpers.js';

/**
 * WhatsApp Web with two server processes (here: two servers in this process, each with its own
 * fake whatsapp-web.js client factory) on one data directory and one Redis: a connection runs in
 * exactly one of them, the other shows its live status, sends operator answers through it, and
 * takes the connection over when the first stops.
 */
let dataDir: string;
let a: TestServer | undefined;
let b: TestServer;
const fakesA = createFakeClientFactory();
const fakesB = createFakeClientFactory();
const sockets: Socket[] = [];

const echoFlow = {
  format: 'nexusflow/flow@1',
  id: 'wa-echo',
  name: 'WhatsApp echo',
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    { id: 'echo', type: 'core/reply', position: { x: 200, y: 0 }, config: { text: 'You said: {{ message.text }}' } },
  ],
  edges: [{ id: 'e1', source: 'start', port: 'out', target: 'echo' }],
};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-wa-cluster-'));
  const env = { DATA_DIR: dataDir, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: testPrefix('wa'), CLUSTER_LEASE_MS: '1500' };
  a = await startTestServer(env, { channels: { createWhatsAppClient: fakesA.createClient, whatsappLimits: { minIntervalMs: 5 } } });
  b = await startTestServer(env, { channels: { createWhatsAppClient: fakesB.createClient, whatsappLimits: { minIntervalMs: 5 } } });
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await a?.stop();
  await b?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a WhatsApp Web connection with two server processes', () => {
  it('runs in one process, is seen and used from the other, and moves when that process stops', async () => {
    const owner = await b.signUp('WhatsApp owner');
    const deployment = await deployFlow(b, owner.workspaceId, echoFlow);
    const at = (rest: string) => `/api/v1/workspaces/${owner.workspaceId}${rest}`;

    // The editor is connected to A; the connection is created through B, so B runs it.
    const studio = connect(`${a!.url}/studio`, { auth: { token: owner.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(studio);
    const statuses: { connectionId: string; status: { state: string; qrSvg?: string } }[] = [];
    studio.on('channel.status', (event) => statuses.push(event));
    expect(await studio.timeout(10_000).emitWithAck('channels.watch', { workspaceId: owner.workspaceId })).toMatchObject({ ok: true });
    const created = await b.request('POST', at('/channels'), { token: owner.token, body: { deploymentId: deployment.id, kind: 'whatsapp', name: 'Support line' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(fakesB.inits).toHaveLength(1);
    expect(fakesA.inits).toHaveLength(0);

    // B's QR code reaches the editor on A, live and on reload.
    const client = fakesB.latest;
    client.emitQr('2@cluster-pairing');
    await until('the QR on A', async () => statuses.find((s) => s.connectionId === id && s.status.state === 'waiting_for_qr' && s.status.qrSvg?.includes('<svg')));
    expect((await a!.request('GET', at(`/channels/${id}`), { token: owner.token })).body.status).toMatchObject({ state: 'waiting_for_qr', qr: '2@cluster-pairing' });
    client.emitAuthenticated();
    client.emitReady();
    await until('ready on A', async () => statuses.find((s) => s.connectionId === id && s.status.state === 'ready'));

    // A message in, the flow's answer out through B's browser.
    client.receive({ from: '15550001111@c.us', body: 'hi', notifyName: 'Lin' });
    await until('the echo', async () => client.sent.find((m) => m.body === 'You said: hi'));
    // An operator working on A answers through B's browser.
    const sessionId = (await a!.request('GET', at(`/sessions?deploymentId=${deployment.id}`), { token: owner.token })).body.items[0].id as string;
    expect((await a!.request('POST', at(`/sessions/${sessionId}/handoff`), { token: owner.token })).status).toBe(200);
    const answer = await a!.request('POST', at(`/sessions/${sessionId}/messages`), { token: owner.token, body: { text: 'Lin, this is Sam.' } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    await until('the operator answer on WhatsApp', async () => client.sent.find((m) => m.body === 'Lin, this is Sam.'));
    expect(fakesA.inits).toHaveLength(0);

    // Starting it again through A restarts it where it runs, not a second browser on A.
    const restarted = await a!.request('POST', at(`/channels/${id}/start`), { token: owner.token });
    expect(restarted.status).toBe(200);
    expect(fakesB.inits).toHaveLength(2);
    expect(fakesA.inits).toHaveLength(0);

    // B stops (a deploy, a scale-down): A takes the connection over with the saved login.
    await b.close();
    await until('A to start the connection', async () => (fakesA.inits.length === 1 ? true : undefined), 15_000);
    expect(fakesA.inits[0]).toMatchObject({ clientId: id });
    fakesA.latest.emitAuthenticated();
    fakesA.latest.emitReady();
    fakesA.latest.receive({ from: '15550001111@c.us', body: 'still there?' });
    // The operator still holds the conversation: the flow stays quiet; hand it back and the flow answers on A.
    expect((await a!.request('DELETE', at(`/sessions/${sessionId}/handoff`), { token: owner.token })).status).toBe(200);
    fakesA.latest.receive({ from: '15550001111@c.us', body: 'hello again' });
    await until('the echo from A', async () => fakesA.latest.sent.find((m) => m.body === 'You said: hello again'));
  }, 60_000);
});
