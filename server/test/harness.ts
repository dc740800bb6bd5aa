import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig, type ServerConfig } from '../src/config/config.js';
import { startServer, type RunningServer, type StartOptions } from '../src/server.js';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Every log line the server wrote (A-09: no token material in logs). */
  logs: string[];
  /** JSON request against the server; answers status, parsed body and headers. */
  request(method: string, urlPath: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Signs up a fresh user with a fresh workspace; answers its token and workspace id. */
  signUp(name?: string): Promise<{ token: string; userId: string; workspaceId: string; email: string; password: string }>;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * Starts a real server in this process on 127.0.0.1 (random port) with SQLite in a fresh temp
 * directory and no demo seed, unless `env` says otherwise.
 */
export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nexusflow-test-'));
  const config: ServerConfig = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO: '0', LOG_LEVEL: 'info', SANDBOX_WORKERS: '1', ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      if (logs.length > 5000) logs.shift();
      done();
    },
  });
  const server = await startServer(config, { logger: pino({ level: config.logLevel }, sink), print: (line) => void logs.push(line), ...options });
  const request: TestServer['request'] = async (method, urlPath, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    } else if (opts.raw !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${server.url}${urlPath}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  const signUp: TestServer['signUp'] = async (name = 'Tester') => {
    counter += 1;
    const email = `user${counter}-${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const res = await request('POST', '/api/v1/auth/signup', { body: { email, password, name, workspaceName: `${name}'s workspace` } });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { token: res.body.token, userId: res.body.user.id, workspaceId: res.body.workspace.id, email, password };
  };
  return {
    ...server,
    dataDir,
    logs,
    request,
    signUp,
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Publishes and deploys a flow document straight through the store; answers the deployment. */
export async function deployFlow(server: RunningServer, workspaceId: string, document: Record<string, unknown>, key = String(document.id)) {
  const { store } = server.ctx;
  const { compileFlowOrThrow } = await import('@nexusflow/engine');
  const registry = await server.ctx.host.registries.forWorkspace(workspaceId);
  const compiled = compileFlowOrThrow(document, registry);
  const existing = await store.flows.get(workspaceId, String(document.id));
  const flow = existing ?? (await store.flows.create(workspaceId, { id: String(document.id), name: String(document.name ?? document.id), document: compiled.flow }));
  const version = await store.versions.publish(workspaceId, flow.id, { document: compiled.flow, hash: compiled.hash, createdBy: 'test' });
  const current = await store.deployments.byKey(workspaceId, key);
  if (current !== undefined) return (await store.deployments.setVersion(workspaceId, current.id, version.id, 'test'))!;
  return store.deployments.create(workspaceId, { flowId: flow.id, key, name: key, versionId: version.id, publishableKey: `pk_${key}_${Math.random().toString(36).slice(2, 14)}`, by: 'test' });
}

/** A flow: trigger → one node of `type` with `config`; `extra` nodes/edges may follow it. */
export function flowOf(id: string, nodes: { id: string; type: string; config?: Record<string, unknown> }[], edges?: { source: string; port: string; target: string }[]) {
  const all = [{ id: 'start', type: 'core/trigger', config: {} }, ...nodes];
  const chain = edges ?? all.slice(1).map((n, i) => ({ source: all[i]!.id, port: 'out', target: n.id }));
  return {
    format: 'nexusflow/flow@1',
    id,
    name: id,
    nodes: all.map((n, i) => ({ ...n, config: n.config ?? {}, position: { x: i * 200, y: 0 } })),
    edges: chain.map((e, i) => ({ id: `e${i}`, ...e })),
  };
}
