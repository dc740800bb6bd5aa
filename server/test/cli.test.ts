import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/auth/index.js';
import { startTestServer, type TestServer } from './harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const main = path.join(root, 'server/src/cli/main.ts');
let scratch: string;

function nexusflow(args: string[], env: Record<string, string> = {}, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', '--conditions=source', '--import', 'tsx', main, ...args], { cwd: root, env: { ...process.env, ...env } });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += String(c)));
    child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'nexusflow-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('nexusflow CLI', () => {
  it('validate: exit 0 for a good flow, 1 with pointers for a broken one', async () => {
    const good = await nexusflow(['validate', 'examples/flows/faq.json']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('is valid');
    const broken = path.join(scratch, 'broken.json');
    const doc = JSON.parse(await readFile(path.join(root, 'examples/flows/echo.json'), 'utf8'));
    doc.edges[0].target = 'nowhere';
    await writeFile(broken, JSON.stringify(doc));
    const bad = await nexusflow(['validate', broken]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('/edges/0/target');
  }, 60_000);

  it('run: chats with a flow in the terminal, with the core plugin loaded', async () => {
    const chat = await nexusflow(['run', 'examples/flows/echo.json'], {}, 'hello\nagain\n');
    expect(chat.code).toBe(0);
    expect(chat.stdout).toContain('bot> You said: hello');
    expect(chat.stdout).toContain('bot> You said: again');
  }, 60_000);

  it('plugin new, then plugin test: builds the bundle and checks it against plugin.json in an isolate', async () => {
    const dir = path.join(scratch, 'greeter');
    const created = await nexusflow(['plugin', 'new', dir, '--name', 'greeter']);
    expect(created.code).toBe(0);
    const tested = await nexusflow(['plugin', 'test', dir]);
    expect(tested.stdout).toMatch(/✓ greeter@\S+: 1 node\(s\) load in an isolate and match plugin.json/);
    expect(tested.code).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8'));
    manifest.nodes[0].type = 'greeter/missing';
    await writeFile(path.join(dir, 'plugin.json'), JSON.stringify(manifest));
    const broken = await nexusflow(['plugin', 'test', dir]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('does not match plugin.json');
  }, 90_000);

  it('test: replays recorded conversations; exit 0 when they match, 1 with each difference, 2 for a broken file', async () => {
    const pass = await nexusflow(['test', 'examples/flows/faq.json', 'examples/conversations/faq.conversations.json']);
    expect(pass.stdout).toContain('✓ answers pricing, then opening hours');
    expect(pass.code).toBe(0);
    const conversations = JSON.parse(await readFile(path.join(root, 'examples/conversations/faq.conversations.json'), 'utf8'));
    conversations.conversations[0].turns[1].expect.ports.route = 'human';
    const failing = path.join(scratch, 'failing.json');
    await writeFile(failing, JSON.stringify(conversations));
    const fail = await nexusflow(['test', 'examples/flows/faq.json', failing]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('expected port "human", got "hours"');
    await writeFile(failing, JSON.stringify({ format: 'nexusflow/conversations@1', conversations: [{ turns: [] }] }));
    const broken = await nexusflow(['test', 'examples/flows/faq.json', failing]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('/conversations/0');
  }, 90_000);

  describe('import and export against a running server', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    }, 60_000);
    afterAll(() => server?.stop());

    it('imports a flow file and exports the same bytes back', async () => {
      const owner = await server.signUp('Cli');
      const key = generateApiKey();
      await server.ctx.store.apiKeys.create({ workspaceId: owner.workspaceId, name: 'cli', prefix: key.prefix, hash: key.hash, scopes: ['write'], role: 'editor', createdBy: owner.userId });
      const env = { NEXUSFLOW_SERVER: server.url, NEXUSFLOW_WORKSPACE: owner.workspaceId, NEXUSFLOW_TOKEN: key.key };
      const imported = await nexusflow(['import', 'examples/flows/lead-capture.json'], env);
      expect(imported.stdout).toContain('imported lead-capture');
      expect(imported.code).toBe(0);
      const out = path.join(scratch, 'exported.json');
      const exported = await nexusflow(['export', 'lead-capture', '--out', out], env);
      expect(exported.code).toBe(0);
      const again = await nexusflow(['import', out], env);
      expect(again.code).toBe(1);
      expect(again.stdout).toContain('409');
      const second = path.join(scratch, 'exported-again.json');
      await nexusflow(['import', out, '--replace', 'yes'], env);
      await nexusflow(['export', 'lead-capture', '--out', second], env);
      expect(await readFile(second, 'utf8')).toBe(await readFile(out, 'utf8'));
      const missing = await nexusflow(['export', 'no-such-flow'], env);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toContain('404');
    }, 90_000);
  });
});
