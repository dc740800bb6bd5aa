import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = path.join(root, 'engine/src/cli/main.ts');
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'nexus-cli-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Runs the CLI from source as a real process; bounded by a 60 s timeout. */
function nexusflow(args: string[], input = ''): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', '--conditions=source', '--import', 'tsx', cli, ...args], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(input);
  });
}

describe('nexusflow CLI', () => {
  it('chats with a flow line by line and says goodbye at end of input', async () => {
    const { code, out } = await nexusflow(['chat', 'examples/flows/lead-capture.json', '--core-plugin', 'nodes'], 'hi\nAda\nada@example.com\n');
    expect(code).toBe(0);
    expect(out.split('\n').filter((l) => l.startsWith('bot> '))).toEqual([
      "bot> Hi! What's your name?",
      "bot> Thanks, Ada! What's your email address?",
      "bot> Got it, Ada. We'll write to ada@example.com soon.",
    ]);
    expect(out).toContain('Bye.');
  }, 60_000);

  it('validates a flow, and lists every problem with its pointer when it is broken', async () => {
    const ok = await nexusflow(['validate', 'examples/flows/faq.json', '--core-plugin', 'nodes']);
    expect(ok).toMatchObject({ code: 0, out: expect.stringContaining('is valid: 6 nodes, 5 edges') });
    const broken = JSON.parse(await readFile(path.join(root, 'examples/flows/echo.json'), 'utf8')) as {
      nodes: { id: string }[];
      edges: { target: string }[];
    };
    broken.nodes[1]!.id = 'bad.id';
    broken.edges[0]!.target = 'ghost';
    const file = path.join(scratch, 'broken.json');
    await writeFile(file, JSON.stringify(broken));
    const bad = await nexusflow(['validate', file, '--core-plugin', 'nodes']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('/nodes/1/id:');
    expect(bad.out).toContain('/edges/0/target:');
  }, 60_000);

  it('scaffolds a plugin and builds it into the file its manifest names', async () => {
    const dir = path.join(scratch, 'weather');
    expect((await nexusflow(['plugin', 'new', dir, '--name', 'weather'])).code).toBe(0);
    const built = await nexusflow(['plugin', 'build', dir]);
    expect(built).toMatchObject({ code: 0, out: expect.stringContaining('dist/weather.js') });
    expect(await readFile(path.join(dir, 'dist/weather.js'), 'utf8')).toContain('"weather/greet"');
  }, 60_000);

  it('explains its usage and fails on an unknown command', async () => {
    const { code, out } = await nexusflow(['frobnicate']);
    expect(code).toBe(1);
    expect(out).toContain('unknown command: frobnicate');
    expect(out).toContain('nexusflow chat <flow.json>');
  }, 60_000);
});
