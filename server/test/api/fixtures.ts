import type { FlowDocument } from '@nexusflow/schemas';
import type { TestServer } from '../harness.js';

/** Shared setup of the API tests: documents, plugins and the few calls most tests start with. */

export const API = '/api/v1';
export const wsPath = (workspaceId: string, rest = '') => `${API}/workspaces/${workspaceId}${rest}`;

export type Owner = Awaited<ReturnType<TestServer['signUp']>>;

/** Trigger, then one reply that echoes the message. */
export function echoFlow(id = 'echo-bot', name = 'Echo bot'): FlowDocument {
  return {
    format: 'nexusflow/flow@1',
    id,
    name,
    nodes: [
      { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
      { id: 'echo', type: 'core/reply', position: { x: 240, y: 0 }, config: { text: 'You said: {{ message.text }}' } },
    ],
    edges: [{ id: 'e1', source: 'start', port: 'out', target: 'echo' }],
  };
}

/** A one-node plugin as an upload body: the manifest and a CommonJS bundle exporting `types`. */
export function tinyPlugin(name: string, options: { exported?: string[]; declared?: string[]; version?: string } = {}) {
  const declared = options.declared ?? [`${name}/shout`];
  const exported = options.exported ?? declared;
  return {
    manifest: {
      name,
      version: options.version ?? '1.0.0',
      description: `test plugin ${name}`,
      main: 'dist/index.js',
      nodes: declared.map((type) => ({
        type,
        title: `Shout (${type})`,
        description: 'Upper-cases a text',
        category: 'text',
        icon: 'megaphone',
        ports: ['out', 'empty'],
        config: { type: 'object', additionalProperties: false, properties: { text: { type: 'string', maxLength: 100 } } },
        capabilities: [],
        limits: { timeoutMs: 1000, memoryMb: 16 },
      })),
    },
    code: `module.exports = { nodes: { ${exported.map((t) => `${JSON.stringify(t)}: { run: (input) => ({ port: 'out', output: String(input.config.text || '').toUpperCase() }) }`).join(', ')} } };`,
  };
}

/** Signs up `name` and adds them to the owner's workspace with `role`. */
export async function addMember(server: TestServer, owner: Owner, role: 'owner' | 'admin' | 'editor' | 'viewer', name: string = role) {
  const person = await server.signUp(name);
  const res = await server.request('POST', wsPath(owner.workspaceId, '/members'), { token: owner.token, body: { email: person.email, role } });
  if (res.status !== 201) throw new Error(`adding a member failed: ${res.status} ${JSON.stringify(res.body)}`);
  return person;
}

/** An API key of the owner's workspace. */
export async function createApiKey(server: TestServer, owner: Owner, scopes: string[], role = 'editor'): Promise<{ key: string; id: string }> {
  const res = await server.request('POST', wsPath(owner.workspaceId, '/api-keys'), { token: owner.token, body: { name: `key ${scopes.join('+')}`, scopes, role } });
  if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { key: res.body.key, id: res.body.apiKey.id };
}

/** Creates the flow, publishes it, and deploys it under `key` through the API. */
export async function deployFlow(server: TestServer, owner: Owner, document: FlowDocument = echoFlow(), key = document.id) {
  const flow = await server.request('POST', wsPath(owner.workspaceId, '/flows'), { token: owner.token, body: { document } });
  if (flow.status !== 201) throw new Error(`creating the flow failed: ${flow.status} ${JSON.stringify(flow.body)}`);
  const version = await server.request('POST', wsPath(owner.workspaceId, `/flows/${document.id}/versions`), { token: owner.token, body: { note: 'first' } });
  if (version.status !== 201) throw new Error(`publishing failed: ${version.status} ${JSON.stringify(version.body)}`);
  const deployment = await server.request('POST', wsPath(owner.workspaceId, '/deployments'), { token: owner.token, body: { flowId: document.id, key } });
  if (deployment.status !== 201) throw new Error(`deploying failed: ${deployment.status} ${JSON.stringify(deployment.body)}`);
  return { flow: flow.body, version: version.body, deployment: deployment.body };
}

/** One conversation turn on a deployment, through the chat service (as the API channel would). */
export async function chat(server: TestServer, workspaceId: string, deploymentId: string, contact: string, text: string) {
  const deployment = await server.ctx.store.deployments.get(workspaceId, deploymentId);
  if (deployment === undefined) throw new Error(`no deployment ${deploymentId}`);
  return server.ctx.chat.send(deployment, 'api', contact, { text });
}

/** Asserts the one error shape every error answer has. */
export function expectErrorShape(body: unknown): { error: string; message: string; requestId: string; details?: { pointer: string; message: string }[] } {
  const error = body as { error?: unknown; message?: unknown; requestId?: unknown };
  if (typeof error !== 'object' || error === null || typeof error.error !== 'string' || typeof error.message !== 'string' || typeof error.requestId !== 'string' || error.requestId === '') {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return body as ReturnType<typeof expectErrorShape>;
}
