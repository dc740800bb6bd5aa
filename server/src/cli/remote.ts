import { readFile, writeFile } from 'node:fs/promises';

export interface RemoteOptions {
  server: string;
  workspace: string;
  token: string;
}

/** Reads `--server`, `--workspace` and the token (`--token` or NEXUSFLOW_TOKEN) with clear errors. */
export function remoteOptions(options: Map<string, string[]>, env: NodeJS.ProcessEnv): RemoteOptions {
  const server = options.get('server')?.[0] ?? env.NEXUSFLOW_SERVER ?? 'http://127.0.0.1:3000';
  const workspace = options.get('workspace')?.[0] ?? env.NEXUSFLOW_WORKSPACE;
  const token = options.get('token')?.[0] ?? env.NEXUSFLOW_TOKEN;
  if (workspace === undefined) throw new Error('--workspace <id> (or NEXUSFLOW_WORKSPACE) is required: the id shown in the editor under Settings');
  if (token === undefined) throw new Error('--token <API key or sign-in token> (or NEXUSFLOW_TOKEN) is required: create an API key with the write scope');
  return { server: server.replace(/\/+$/, ''), workspace, token };
}

async function call(remote: RemoteOptions, method: string, path: string, body?: string): Promise<Response> {
  const response = await fetch(`${remote.server}/api/v1/workspaces/${encodeURIComponent(remote.workspace)}${path}`, {
    method,
    headers: { authorization: `Bearer ${remote.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  }).catch((error: Error) => {
    throw new Error(`cannot reach ${remote.server}: ${error.message}; is the server running?`);
  });
  return response;
}

async function failure(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: string; message?: string; details?: { pointer: string; message: string }[] };
    const details = (body.details ?? []).map((d) => `\n  ${d.pointer || '/'}: ${d.message}`).join('');
    return `${response.status} ${body.error ?? ''}: ${body.message ?? text}${details}`;
  } catch {
    return `${response.status}: ${text.slice(0, 500)}`;
  }
}

/** `nexusflow import <file>`: sends a flow document to a running server. */
export async function importFlow(file: string, remote: RemoteOptions, replace: boolean, print: (line: string) => void): Promise<number> {
  const text = await readFile(file, 'utf8');
  const response = await call(remote, 'POST', `/flows/import${replace ? '?replace=true' : ''}`, text);
  if (!response.ok) {
    print(`import failed: ${await failure(response)}`);
    return 1;
  }
  const flow = (await response.json()) as { id: string; name: string; revision: number };
  print(`imported ${flow.id} ("${flow.name}", revision ${flow.revision})`);
  return 0;
}

/** `nexusflow export <flowId>`: downloads a flow's byte-stable JSON to a file or stdout. */
export async function exportFlow(flowId: string, remote: RemoteOptions, out: string | undefined, print: (line: string) => void): Promise<number> {
  const response = await call(remote, 'GET', `/flows/${encodeURIComponent(flowId)}/export`);
  if (!response.ok) {
    print(`export failed: ${await failure(response)}`);
    return 1;
  }
  const text = await response.text();
  if (out === undefined) process.stdout.write(text);
  else {
    await writeFile(out, text);
    print(`wrote ${out} (${Buffer.byteLength(text)} bytes)`);
  }
  return 0;
}
