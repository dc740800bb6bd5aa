import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDeployment } from '../../api/index.js';
import { apiError, fakeServer, renderWithApi, type FakeRoute } from '../testing/fake-api.js';
import { AppsPage } from './AppsPage.js';

afterEach(cleanup);

function deployment(version: number, extra: Partial<AppDeployment> = {}): AppDeployment {
  return {
    id: `shop-v${version}`,
    workspaceId: 'w1',
    name: 'shop',
    version,
    target: 'local',
    status: 'superseded',
    live: false,
    url: '/apps/w1/shop/',
    files: [
      { path: 'index.html', bytes: 1200 },
      { path: 'app.js', bytes: 3400 },
    ],
    detail: {},
    key: `k${version}`,
    createdAt: Date.UTC(2025, 4, version),
    updatedAt: Date.UTC(2025, 4, version),
    ...extra,
  };
}

function appServer(routes: Record<string, FakeRoute> = {}) {
  let items = [
    deployment(3, { status: 'failed', url: undefined, detail: { reason: 'the platform answered 503 while starting the service' } }),
    deployment(2, { status: 'live', live: true }),
    deployment(1),
  ];
  return fakeServer({
    'GET /workspaces/w1/apps': () => ({ body: { items } }),
    'POST /workspaces/w1/apps/shop-v1/live': () => {
      items = items.map((d) => ({ ...d, live: d.version === 1, status: d.version === 1 ? 'live' : d.status === 'live' ? 'superseded' : d.status }));
      return { body: items.find((d) => d.version === 1) };
    },
    ...routes,
  });
}

describe('AppsPage', () => {
  it('shows each app’s live version with its address, target, time and files, and the earlier versions with failures explained', async () => {
    renderWithApi(<AppsPage ws="w1" />, appServer());
    const row = await screen.findByTestId('app-row-shop');
    expect(row.textContent).toContain('v2');
    expect(row.textContent).toContain('local');
    expect(screen.getByTestId('app-status-shop-v2').textContent).toBe('live');
    const link = screen.getByTestId('app-url-shop') as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe('/apps/w1/shop/');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    const files = screen.getByTestId('app-files-shop-v2');
    expect(files.querySelector('summary')!.textContent).toBe('2 files, 4.6 kB');
    expect([...files.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['index.html 1.2 kB', 'app.js 3.4 kB']);
    expect(within(row).queryByTestId('app-make-live-shop-v2')).toBeNull();

    fireEvent.click(screen.getByTestId('app-versions-toggle-shop'));
    const versions = screen.getByTestId('app-versions-shop');
    expect([...versions.querySelectorAll(':scope > tbody > tr')].map((tr) => tr.querySelector('td')!.textContent)).toEqual(['v3', 'v1']);
    expect(screen.getByTestId('app-status-shop-v3').textContent).toBe('failed');
    expect(screen.getByTestId('app-failure-shop-v3').textContent).toBe('the platform answered 503 while starting the service');
    expect(within(versions).queryByTestId('app-make-live-shop-v3')).toBeNull();
    expect(within(versions).getByTestId('app-make-live-shop-v1')).toBeTruthy();
  });

  it('rolls back: Make live on an earlier version serves it and the list follows', async () => {
    const server = appServer();
    renderWithApi(<AppsPage ws="w1" />, server);
    fireEvent.click(await screen.findByTestId('app-versions-toggle-shop'));
    fireEvent.click(screen.getByTestId('app-make-live-shop-v1'));
    await waitFor(() => expect(screen.getByTestId('app-live-status').textContent).toBe('Version 1 of shop is live at /apps/w1/shop/.'));
    expect(server.sent('POST', '/workspaces/w1/apps/shop-v1/live')).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId('app-row-shop').textContent).toContain('v1'));
    expect(screen.getByTestId('app-status-shop-v1').textContent).toBe('live');
  });

  it('shows why a version could not be made live, and an empty list when nothing was deployed', async () => {
    renderWithApi(<AppsPage ws="w1" />, appServer({ 'POST /workspaces/w1/apps/shop-v1/live': apiError(409, 'app_files_missing', 'the files of version 1 are no longer stored') }));
    fireEvent.click(await screen.findByTestId('app-versions-toggle-shop'));
    fireEvent.click(screen.getByTestId('app-make-live-shop-v1'));
    expect((await screen.findByTestId('app-make-live-error')).textContent).toContain('That version was not made live: the files of version 1 are no longer stored');
    cleanup();
    renderWithApi(<AppsPage ws="w1" />, fakeServer({ 'GET /workspaces/w1/apps': { body: { items: [] } } }));
    expect((await screen.findByTestId('apps-empty')).textContent).toContain('No apps yet');
  });
});
