import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { SUBSCRIBER_OPTIONS, connectRedis, openRedis } from '../src/cluster/redis-connection.js';

/** The machine's Redis (started before every session and by `.ci/run`). */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own per test run, so runs sharing one Redis never see each other's lines. */
export const testPrefix = (name: string) => `nf-test-${name}-${randomUUID().slice(0, 8)}:`;

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface PrivateRedis {
  url: string;
  /** SIGKILLs it: the Redis outage of a test. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (it keeps nothing on disk). */
  restart(): Promise<void>;
}

/** A Redis server of one test's own, on a free port, that the test may kill and bring back. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${output}`)), 10_000);
      child!.stdout!.on('data', (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${output}`));
      });
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    restart: start,
  };
}

/** JSON over HTTP with a bearer token; answers status and parsed body. */
export async function api(base: string, method: string, urlPath: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}/api/v1${urlPath}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Signs up through the API; answers the token and the new workspace. */
export async function signUpAt(base: string): Promise<{ token: string; workspaceId: string }> {
  const res = await api(base, 'POST', '/auth/signup', undefined, { email: `scale-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery staple', name: 'Scale', workspaceName: 'Scale' });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.token, workspaceId: res.body.workspace.id };
}

/** Creates, publishes and deploys a flow through the API; answers the publishable key. */
export async function deployThroughApi(base: string, token: string, workspaceId: string, document: Record<string, unknown>): Promise<string> {
  const at = (rest: string) => `/workspaces/${workspaceId}${rest}`;
  const created = await api(base, 'POST', at('/flows'), token, { document });
  if (created.status !== 201) throw new Error(`flow not created: ${JSON.stringify(created.body)}`);
  const published = await api(base, 'POST', at(`/flows/${document.id}/versions`), token, {});
  if (published.status !== 201) throw new Error(`flow not published: ${JSON.stringify(published.body)}`);
  const deployed = await api(base, 'POST', at('/deployments'), token, { flowId: document.id, key: document.id });
  if (deployed.status !== 201) throw new Error(`flow not deployed: ${JSON.stringify(deployed.body)}`);
  return deployed.body.publishableKey as string;
}

/** A socket of `/chat` (a widget) or `/studio` (the editor), connected. */
export async function socketOf(base: string, namespace: '/chat' | '/studio', auth: Record<string, string>): Promise<Socket> {
  const socket = connect(`${base}${namespace}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once(namespace === '/chat' ? 'ready' : 'connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A flow that counts its turns in a variable and echoes each message with its number. */
export function countingFlow(id: string): Record<string, unknown> {
  return {
    format: 'nexusflow/flow@1',
    id,
    name: id,
    variables: { count: 0 },
    nodes: [
      { id: 'start', type: 'core/trigger', config: {}, position: { x: 0, y: 0 } },
      { id: 'count', type: 'core/set', config: { vars: { count: '{{ vars.count + 1 }}' } }, position: { x: 200, y: 0 } },
      { id: 'echo', type: 'core/reply', config: { text: '#{{ vars.count }} {{ message.text }}' }, position: { x: 400, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'start', port: 'out', target: 'count' },
      { id: 'e2', source: 'count', port: 'out', target: 'echo' },
    ],
  };
}

/** The Redis connections and private Redis servers of one test file, all closed by `close` (its afterAll). */
export function redisKit(logger: Logger) {
  const clients: Redis[] = [];
  const servers: PrivateRedis[] = [];
  const kit = {
    /** A connected client with the server's fail-fast options (plus `extra`). */
    async connect(url: string, name: string, extra: RedisOptions = {}): Promise<Redis> {
      const client = openRedis(url, name, logger, extra);
      clients.push(client);
      await connectRedis(client, url);
      return client;
    },
    /** A subscriber connection, as the server opens it. */
    subscriber: (url: string, name: string) => kit.connect(url, name, SUBSCRIBER_OPTIONS),
    /** A Redis of the test's own, to kill and restart. */
    async privateRedis(): Promise<PrivateRedis> {
      const server = await startPrivateRedis();
      servers.push(server);
      return server;
    },
    async close(): Promise<void> {
      for (const client of clients) client.disconnect();
      for (const server of servers) await server.kill();
    },
  };
  return kit;
}
