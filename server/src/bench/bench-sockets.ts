import { io as connect, type Socket } from 'socket.io-client';
import { report } from '@nexusflow/engine/testing';
import { startBenchServer } from './bench-server.js';
import { tenNodeFlow } from './bench-http.js';

const BATCH = 250;

/** Server RSS with many idle chat sockets (target: 10,000 under 1 GB). */
export async function benchIdleSockets(count = 10_000): Promise<void> {
  const server = await startBenchServer(tenNodeFlow());
  const sockets: Socket[] = [];
  try {
    const before = server.rssBytes();
    for (let i = 0; i < count; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => {
        const socket = connect(`${server.url}/chat`, {
          auth: { publishableKey: server.publishableKey, contactId: `idle-contact-${String(i + j).padStart(10, '0')}` },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        sockets.push(socket);
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('socket did not get ready in 30 s')), 30_000);
          socket.once('ready', () => {
            clearTimeout(timer);
            resolve();
          });
          socket.once('connect_error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
        });
      });
      await Promise.all(batch);
    }
    await new Promise((r) => setTimeout(r, 2000));
    const after = server.rssBytes();
    report(`server: ${count} idle chat sockets`, {
      rss_before_mb: before / 2 ** 20,
      rss_after_mb: after / 2 ** 20,
      kb_per_socket: (after - before) / count / 1024,
      under_1gb: after < 2 ** 30 ? 'yes' : 'NO',
    });
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
  }
}
