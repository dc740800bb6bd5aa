import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Me, PluginInfo, PluginManifest } from '../../api/index.js';
import { apiError, fakeServer, ME, renderWithApi, type FakeRoute } from '../testing/fake-api.js';
import { PluginsPage } from './PluginsPage.js';

// jsdom's File has no text(); browsers do. Read it the way browsers did before text() existed.
beforeAll(() => {
  if (typeof Blob.prototype.text === 'function') return;
  Blob.prototype.text = function text(this: Blob) {
    return new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsText(this);
    });
  };
});
afterEach(cleanup);

const ACME_MANIFEST: PluginManifest = {
  name: 'acme',
  version: '1.0.0',
  main: 'dist/acme.js',
  nodes: [
    { type: 'acme/sentiment', title: 'Sentiment', ports: ['positive'], config: {}, capabilities: [] },
    { type: 'acme/visit-counter', title: 'Visit counter', ports: ['first'], config: {}, capabilities: ['kv'] },
  ],
};
const CORE: PluginInfo = {
  name: 'core',
  version: '0.1.0',
  description: 'Built-in nodes',
  builtIn: true,
  enabled: true,
  codeHash: 'c0',
  nodeTypes: ['core/reply'],
  manifest: { name: 'core', version: '0.1.0', main: 'index.js', nodes: [{ type: 'core/reply', title: 'Reply', ports: ['out'], config: {}, capabilities: [] }] },
};
const ACME: PluginInfo = {
  id: 'p1',
  name: 'acme',
  version: '1.0.0',
  description: 'Sentiment and visits',
  builtIn: false,
  enabled: true,
  codeHash: 'a1',
  nodeTypes: ['acme/sentiment', 'acme/visit-counter'],
  manifest: ACME_MANIFEST,
};
const BUNDLE = 'module.exports = { nodes: {} };';

function pluginServer(plugins: PluginInfo[], routes: Record<string, FakeRoute> = {}, me: Me = ME) {
  let installed = plugins;
  return fakeServer({
    'GET /me': { body: me },
    'GET /workspaces/w1/plugins': () => ({ body: { items: installed } }),
    'PATCH /workspaces/w1/plugins/acme': (request) => {
      const enabled = (request.body as { enabled: boolean }).enabled;
      installed = installed.map((p) => (p.name === 'acme' ? { ...p, enabled } : p));
      return { body: { ...ACME, enabled } };
    },
    'DELETE /workspaces/w1/plugins/acme': () => {
      installed = installed.filter((p) => p.name !== 'acme');
      return { status: 204 };
    },
    ...routes,
  });
}

const pick = (...files: File[]) => fireEvent.change(screen.getByTestId('plugin-upload-input'), { target: { files } });
const manifestFile = () => new File([JSON.stringify(ACME_MANIFEST)], 'plugin.json', { type: 'application/json' });
const bundleFile = () => new File([BUNDLE], 'acme.js', { type: 'text/javascript' });

describe('PluginsPage', () => {
  it('lists built-in and uploaded plugins with the titles of their node types', async () => {
    renderWithApi(<PluginsPage ws="w1" />, pluginServer([CORE, ACME]));
    const acme = await screen.findByTestId('plugin-row-acme');
    expect(acme.textContent).toContain('Uploaded');
    expect(acme.textContent).toContain('Sentiment');
    expect(acme.textContent).toContain('Visit counter');
    expect(acme.textContent).toContain('acme/visit-counter');
    const core = screen.getByTestId('plugin-row-core');
    expect(core.textContent).toContain('Built-in');
    expect(core.textContent).toContain('Reply');
    // Built-in plugins cannot be switched off or deleted.
    expect(within(core).queryAllByRole('button')).toHaveLength(0);
  });

  it('disables an uploaded plugin and deletes it after confirming', async () => {
    const server = pluginServer([CORE, ACME]);
    renderWithApi(<PluginsPage ws="w1" />, server);
    fireEvent.click(await screen.findByTestId('plugin-toggle-acme'));
    await waitFor(() => expect(screen.getByTestId('plugin-status-acme').textContent).toBe('Disabled'));
    expect(server.sent('PATCH', '/workspaces/w1/plugins/acme').map((r) => r.body)).toEqual([{ enabled: false }]);
    expect(screen.getByTestId('plugin-toggle-acme').textContent).toBe('Enable');

    fireEvent.click(screen.getByTestId('plugin-delete-acme'));
    const dialog = screen.getByTestId('confirm-dialog');
    expect(dialog.textContent).toContain('Sentiment, Visit counter');
    fireEvent.click(within(dialog).getByTestId('confirm-ok'));
    await waitFor(() => expect(screen.queryByTestId('plugin-row-acme')).toBeNull());
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
    expect(server.sent('DELETE', '/workspaces/w1/plugins/acme')).toHaveLength(1);
  });

  it('says which file is missing before anything is sent, then uploads plugin.json and its bundle', async () => {
    const server = pluginServer([CORE], { 'POST /workspaces/w1/plugins': { status: 201, body: ACME } });
    renderWithApi(<PluginsPage ws="w1" />, server);
    await screen.findByTestId('plugin-row-core');

    pick(manifestFile());
    expect((await screen.findByTestId('plugin-upload-problem')).textContent).toContain('The bundle acme.js is missing');
    expect((screen.getByTestId('plugin-upload-submit') as HTMLButtonElement).disabled).toBe(true);

    pick(bundleFile(), manifestFile());
    await waitFor(() => expect((screen.getByTestId('plugin-upload-submit') as HTMLButtonElement).disabled).toBe(false));
    expect(screen.queryByTestId('plugin-upload-problem')).toBeNull();
    fireEvent.click(screen.getByTestId('plugin-upload-submit'));
    await waitFor(() => expect(screen.getByTestId('plugin-upload-status').textContent).toBe('Uploaded acme 1.0.0 with 2 node types; its nodes are in the palette now.'));
    expect(server.sent('POST', '/workspaces/w1/plugins').map((r) => r.body)).toEqual([{ manifest: ACME_MANIFEST, code: BUNDLE }]);
  });

  it('takes dropped files too', async () => {
    renderWithApi(<PluginsPage ws="w1" />, pluginServer([CORE]));
    fireEvent.drop(await screen.findByTestId('plugin-dropzone'), { dataTransfer: { files: [manifestFile(), bundleFile()] } });
    expect((await screen.findByTestId('plugin-upload-files')).textContent).toContain('manifest plugin.json, bundle acme.js');
  });

  it("lists every problem of the server's plugin_invalid answer", async () => {
    const invalid = apiError(400, 'plugin_invalid', 'the plugin has 2 problems', [
      { pointer: '/manifest/nodes/0/type', message: 'must start with "acme/"' },
      { pointer: '/code', message: 'does not export the node "acme/visit-counter"' },
    ]);
    renderWithApi(<PluginsPage ws="w1" />, pluginServer([CORE], { 'POST /workspaces/w1/plugins': invalid }));
    await screen.findByTestId('plugin-row-core');
    pick(manifestFile(), bundleFile());
    await waitFor(() => expect((screen.getByTestId('plugin-upload-submit') as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId('plugin-upload-submit'));
    const error = await screen.findByTestId('plugin-upload-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect([...error.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      '/manifest/nodes/0/type must start with "acme/"',
      '/code does not export the node "acme/visit-counter"',
    ]);
    expect(screen.getByTestId('plugin-upload-status').textContent).toBe('');
  });

  it('offers no upload or changes to people who are not admins', async () => {
    const viewer: Me = { ...ME, workspaces: [{ id: 'w1', name: 'Acme', role: 'viewer', createdAt: 0 }] };
    renderWithApi(<PluginsPage ws="w1" />, pluginServer([CORE, ACME], {}, viewer));
    await screen.findByText(/Only admins and owners/);
    await screen.findByTestId('plugin-row-acme');
    expect(screen.queryByTestId('plugin-upload-input')).toBeNull();
    expect(screen.queryByTestId('plugin-toggle-acme')).toBeNull();
  });
});
