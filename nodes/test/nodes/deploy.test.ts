import { beforeAll, describe, expect, it } from 'vitest';
import type { CapabilityContext, LoadedPlugin } from '@nexusflow/engine';
import { runNode } from '@nexusflow/engine/testing';
import { createDeployCapability, createMemoryDeployTarget, pathProblem } from '../../src/providers/deploy/index.js';
import { stepContext } from './context.js';
import { loadCorePlugin } from '../../src/index.js';

let core: LoadedPlugin;
beforeAll(async () => {
  core = await loadCorePlugin();
});

const site = [
  { path: 'index.html', content: '<h1>Hi</h1>' },
  { path: 'assets/app.js', content: 'console.log(1)' },
];

describe('core/deploy node (isolate)', () => {
  it('publishes the files a template yields and outputs { url, status }', async () => {
    const requests: unknown[] = [];
    const result = await runNode({
      plugin: core,
      type: 'core/deploy',
      config: { name: '{{ vars.slug }}', files: '{{ vars.generated.files }}' },
      vars: { slug: 'acme-shop', generated: { files: site } },
      capabilities: {
        deploy: {
          publish: (request: unknown) => {
            requests.push(request);
            return { url: 'https://acme-shop.sites.test/', status: 'published' };
          },
        },
      },
    });
    expect(requests).toEqual([{ name: 'acme-shop', files: site, target: 'local' }]);
    expect(result).toEqual({ port: 'out', output: { url: 'https://acme-shop.sites.test/', status: 'published' } });
  });

  it('passes the configured target and outputs the version the target reports', async () => {
    const requests: unknown[] = [];
    const result = await runNode({
      plugin: core,
      type: 'core/deploy',
      config: { name: 'shop', files: '{{ vars.files }}', target: 'platform' },
      vars: { files: site },
      capabilities: {
        deploy: {
          publish: (request: unknown) => {
            requests.push(request);
            return { url: 'https://svc-1.platform.test/', status: 'live', version: 3, id: 'app-1' };
          },
        },
      },
    });
    expect(requests).toEqual([{ name: 'shop', files: site, target: 'platform' }]);
    expect(result.output).toEqual({ url: 'https://svc-1.platform.test/', status: 'live', version: 3 });
  });

  it('the manifest offers the target as a titled choice defaulting to local', () => {
    const type = core.manifest.nodes.find((n) => n.type === 'core/deploy');
    const target = (type?.config as { properties: Record<string, Record<string, unknown>> }).properties.target;
    expect(target).toMatchObject({ type: 'string', title: 'Hosting target', enum: ['local', 'platform'], default: 'local' });
    expect(String(target?.description)).toContain('DEPLOY_PLATFORM_URL');
  });

  it('a target outside the enum fails the config check, naming the field', async () => {
    await expect(
      runNode({ plugin: core, type: 'core/deploy', config: { name: 'x', files: '{{ vars.files }}', target: 'ftp' }, vars: { files: site }, capabilities: { deploy: { publish: () => ({}) } } }),
    ).rejects.toMatchObject({ code: 'flow_invalid', message: expect.stringContaining('target') });
  });

  it('a files template that renders to text fails with a clear message', async () => {
    await expect(
      runNode({ plugin: core, type: 'core/deploy', config: { name: 'x', files: 'files: {{ vars.n }}' }, vars: { n: 1 }, capabilities: { deploy: { publish: () => ({}) } } }),
    ).rejects.toMatchObject({ code: 'plugin_error', message: expect.stringContaining('files must be an array') });
  });

  it('with the real provider: a re-run publishes once, and bad paths leave through the error port', async () => {
    const target = createMemoryDeployTarget();
    const provider = createDeployCapability({ target });
    const deploy = { publish: (request: unknown, context: unknown) => provider('publish', [request], context as CapabilityContext) };
    const config = { name: 'acme', files: '{{ vars.files }}' };
    // runNode gives every run the same step identity, as a re-run of one step would have.
    const first = await runNode({ plugin: core, type: 'core/deploy', config, vars: { files: site }, capabilities: { deploy } });
    const again = await runNode({ plugin: core, type: 'core/deploy', config, vars: { files: site }, capabilities: { deploy } });
    expect(first.output).toEqual({ url: 'https://acme.sites.test/', status: 'published', version: 1 });
    expect(again.output).toEqual(first.output);
    expect(target.published).toHaveLength(1);

    await expect(
      runNode({ plugin: core, type: 'core/deploy', config, vars: { files: [{ path: '../etc/passwd', content: 'x' }] }, capabilities: { deploy } }),
    ).rejects.toMatchObject({ code: 'capability_failed', message: expect.stringContaining('contains ".."') });
  });
});

describe('createDeployCapability', () => {
  const publish = (handler: ReturnType<typeof createDeployCapability>, request: unknown, context = stepContext()) => handler('publish', [request], context);

  it('validates and passes the request and context to the target', async () => {
    const target = createMemoryDeployTarget();
    const result = await publish(createDeployCapability({ target }), { name: 'shop', files: site });
    expect(result).toEqual({ url: 'https://shop.sites.test/', status: 'published', version: 1 });
    expect(target.published).toEqual([
      { idempotencyKey: 'ws-a:alice/1/0/node', key: 'ws-a:alice/1/0/node/deploy.publish/0', workspaceId: 'ws-a', name: 'shop', target: 'local', files: site, url: 'https://shop.sites.test/' },
    ]);
  });

  it('passes target platform through, and each call of a step gets its own key', async () => {
    const target = createMemoryDeployTarget();
    const handler = createDeployCapability({ target });
    const context = stepContext();
    await publish(handler, { name: 'one', files: site, target: 'platform' }, context);
    await publish(handler, { name: 'two', files: site }, context);
    expect(target.published.map((p) => [p.name, p.target, p.key])).toEqual([
      ['one', 'platform', 'ws-a:alice/1/0/node/deploy.publish/0'],
      ['two', 'local', 'ws-a:alice/1/0/node/deploy.publish/1'],
    ]);
  });

  it('answers only url, status, version and id, whatever else the target returns', async () => {
    const handler = createDeployCapability({
      target: { publish: async () => ({ url: 'https://x.test/', status: 'live', version: 2, id: 'a1', secret: 'db-password' }) as never },
    });
    expect(await publish(handler, { name: 'x', files: site })).toEqual({ url: 'https://x.test/', status: 'live', version: 2, id: 'a1' });
  });

  it('is idempotent per step: a re-run (new context, same key) and a concurrent duplicate return the first result', async () => {
    const target = createMemoryDeployTarget();
    const handler = createDeployCapability({ target });
    const [a, b] = await Promise.all([publish(handler, { name: 'one', files: site }), publish(handler, { name: 'one', files: site })]);
    const rerun = await publish(handler, { name: 'one', files: site });
    expect(a).toEqual(b);
    expect(rerun).toEqual(a);
    expect(target.published).toHaveLength(1);
    // The next step, or a second publish within one step, publishes again.
    await publish(handler, { name: 'one', files: site }, stepContext({ step: 1, idempotencyKey: 'ws-a:alice/1/1/node' }));
    const context = stepContext({ step: 2, idempotencyKey: 'ws-a:alice/1/2/node' });
    await publish(handler, { name: 'two', files: site }, context);
    await publish(handler, { name: 'three', files: site }, context);
    expect(target.published.map((p) => p.name)).toEqual(['one', 'one', 'two', 'three']);
    // The memory target counts versions per name, as a real target numbers them.
    expect(await publish(handler, { name: 'one', files: site }, stepContext({ step: 3, idempotencyKey: 'ws-a:alice/1/3/node' }))).toMatchObject({ version: 3 });
  });

  it('a failed publish is not remembered, so a re-run retries it', async () => {
    let attempts = 0;
    const handler = createDeployCapability({
      target: {
        async publish() {
          attempts += 1;
          if (attempts === 1) throw new Error('hosting is down');
          return { url: 'https://x.sites.test/', status: 'published' };
        },
      },
    });
    await expect(publish(handler, { name: 'x', files: site })).rejects.toThrow('hosting is down');
    expect(await publish(handler, { name: 'x', files: site })).toEqual({ url: 'https://x.sites.test/', status: 'published' });
    expect(attempts).toBe(2);
  });

  it.each([
    ['/etc/passwd', 'is absolute'],
    ['../up.html', 'contains ".."'],
    ['a/../../b', 'contains ".."'],
    ['a\\..\\b', 'backslash'],
    ['C:/x', 'drive letter'],
    ['a//b', 'empty or "."'],
    ['./a', 'empty or "."'],
    ['a/', 'empty or "."'],
    ['', 'must be 1 to 256'],
    ['x'.repeat(257), 'must be 1 to 256'],
    ['a\u0000.html', 'control character'],
  ])('refuses the path %j (%s)', async (path, problem) => {
    const target = createMemoryDeployTarget();
    await expect(publish(createDeployCapability({ target }), { name: 'ok', files: [{ path, content: 'x' }] })).rejects.toMatchObject({
      code: 'capability_failed',
      message: expect.stringContaining(problem),
    });
    expect(target.published).toHaveLength(0);
  });

  it('accepts clean relative paths', () => {
    for (const path of ['index.html', 'a/b/c.css', '.well-known/x', 'a..b.txt']) expect(pathProblem(path)).toBeUndefined();
  });

  it('refuses duplicates (case-insensitively), bad names, and enforces count and size caps', async () => {
    const target = createMemoryDeployTarget();
    const handler = createDeployCapability({ target, maxFiles: 2, maxBytes: 10 });
    const file = (path: string, content = 'x') => ({ path, content });
    await expect(publish(handler, { name: 'ok', files: [file('a.html'), file('A.html')] })).rejects.toThrow(/listed twice/);
    await expect(publish(handler, { name: 'ok', files: [file('a'), file('b'), file('c')] })).rejects.toThrow(/3 files is more than the 2 allowed/);
    await expect(publish(handler, { name: 'ok', files: [file('a', '123456'), file('b', '12345')] })).rejects.toThrow(/larger than 10 bytes/);
    await expect(publish(handler, { name: 'ok', files: [file('a', 'é'.repeat(6))] })).rejects.toThrow(/larger than 10 bytes/);
    await expect(publish(handler, { name: 'Bad Name', files: [file('a')] })).rejects.toThrow(/lowercase letters/);
    await expect(publish(handler, { name: 'ok', files: [] })).rejects.toThrow(/non-empty array/);
    await expect(publish(handler, { name: 'ok', files: [{ path: 'a', content: 1 }] })).rejects.toThrow(/content must be a string/);
    await expect(publish(handler, { name: 'ok', files: [file('a')], target: 'ftp' })).rejects.toThrow(/target "ftp" must be one of "local", "platform"/);
    await expect(publish(handler, { name: 'ok', files: [file('a')], target: 7 })).rejects.toThrow(/target 7 must be one of/);
    await expect(publish(handler, { name: 'ok', files: [file('docs'), file('Docs/a')] })).rejects.toThrow(/files\[0\]\.path "docs" is also used as a folder by "Docs\/a"/);
    await expect(handler('delete', [], stepContext())).rejects.toThrow(/deploy has no method delete/);
    expect(target.published).toHaveLength(0);
  });
});
