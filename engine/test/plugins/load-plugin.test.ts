import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPluginExports } from '../../src/plugins/check-exports.js';
import { loadPluginFolder } from '../../src/plugins/load-plugin.js';
import { createSandboxPool } from '../../src/sandbox/index.js';

const manifest = (extra: Record<string, unknown> = {}, node: Record<string, unknown> = {}) => ({
  name: 'acme',
  version: '1.0.0',
  main: 'dist/acme.js',
  nodes: [{ type: 'acme/hello', title: 'Hello', ports: ['out'], capabilities: [], config: { type: 'object' }, ...node }],
  ...extra,
});
const code = `module.exports = { nodes: { 'acme/hello': { run: () => ({ port: 'out' }) } } };`;

let root: string;
const sandbox = createSandboxPool({ size: 1 });
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'nexus-plugins-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(root, { recursive: true, force: true });
});

async function pluginDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}

describe('loadPluginFolder', () => {
  it('loads a folder with plugin.json and its bundle, hashing the code', async () => {
    const dir = await pluginDir('ok', { 'plugin.json': JSON.stringify(manifest()), 'dist/acme.js': code });
    const result = await loadPluginFolder(dir);
    expect(result.ok && result.value.code.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.ok && result.value.manifest.nodes[0]?.type).toBe('acme/hello');
  });

  it('says how to fix a missing bundle', async () => {
    const dir = await pluginDir('unbuilt', { 'plugin.json': JSON.stringify(manifest()) });
    expect(await loadPluginFolder(dir)).toMatchObject({
      ok: false,
      issues: [{ pointer: '/main', message: expect.stringContaining('build the plugin first') }],
    });
  });

  it('reports malformed plugin.json with the parser message', async () => {
    const dir = await pluginDir('badjson', { 'plugin.json': '{ "name": ' });
    expect(await loadPluginFolder(dir)).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('is not valid JSON') }] });
  });

  it('refuses a main that leaves the folder, by path or by symlink (S-20)', async () => {
    await writeFile(path.join(root, 'outside.js'), code);
    const byPath = await pluginDir('escape', { 'plugin.json': JSON.stringify(manifest({ main: '../outside.js' })) });
    const byLink = await pluginDir('link', { 'plugin.json': JSON.stringify(manifest({ main: 'dist/acme.js' })) });
    await mkdir(path.join(byLink, 'dist'), { recursive: true });
    await symlink(path.join(root, 'outside.js'), path.join(byLink, 'dist/acme.js'));
    const escaped = await loadPluginFolder(byPath);
    const linked = await loadPluginFolder(byLink);
    expect(escaped.ok).toBe(false);
    expect(linked).toMatchObject({ ok: false, issues: [{ pointer: '/main', message: expect.stringContaining('outside the plugin folder') }] });
  });

  it('refuses code-cache and snapshot fields (S-19, CVE-2022-39266)', async () => {
    for (const extra of [{ cachedData: 'AAAA' }, { snapshot: 'AAAA' }]) {
      const dir = await pluginDir(`cache-${Object.keys(extra)[0]}`, { 'plugin.json': JSON.stringify(manifest(extra)), 'dist/acme.js': code });
      const result = await loadPluginFolder(dir);
      expect(result.ok).toBe(false);
    }
  });

  it('refuses the reserved core namespace unless the plugin is trusted', async () => {
    const core = { name: 'core', nodes: [{ type: 'core/hello', title: 'Hello', ports: ['out'], capabilities: [], config: { type: 'object' } }] };
    const dir = await pluginDir('core', { 'plugin.json': JSON.stringify(manifest(core)), 'dist/acme.js': code });
    expect((await loadPluginFolder(dir)).ok).toBe(false);
    expect((await loadPluginFolder(dir, { allowCorePlugin: true })).ok).toBe(true);
  });
});

describe('checkPluginExports', () => {
  it('accepts a bundle that exports exactly the declared node types', async () => {
    const dir = await pluginDir('exports-ok', { 'plugin.json': JSON.stringify(manifest()), 'dist/acme.js': code });
    const result = await loadPluginFolder(dir);
    if (!result.ok) throw new Error('fixture');
    expect(await checkPluginExports(result.value, sandbox)).toEqual([]);
  });

  it('reports declared types without code and code without declarations', async () => {
    const other = `module.exports = { nodes: { 'acme/other': { run: () => ({}) } } };`;
    const dir = await pluginDir('exports-bad', { 'plugin.json': JSON.stringify(manifest()), 'dist/acme.js': other });
    const result = await loadPluginFolder(dir);
    if (!result.ok) throw new Error('fixture');
    expect(await checkPluginExports(result.value, sandbox)).toEqual([
      {
        code: 'node_not_exported',
        pointer: '/nodes/0/type',
        message: 'plugin.json declares acme/hello, but the bundle does not export it; add it to definePlugin({ nodes: { ... } })',
      },
      {
        code: 'node_not_declared',
        pointer: '/nodes',
        message: 'the bundle exports acme/other, which plugin.json does not declare; declare it with its ports and config, or remove it',
      },
    ]);
  });
});
