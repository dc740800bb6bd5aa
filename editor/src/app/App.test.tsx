import { StrictMode } from 'react';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_KEY, type Me } from '../api/index.js';
import { App } from './App.js';
import { landingRoute } from './HomeRedirect.js';
import { apiError, fakeServer, ME, type FakeRoute } from './testing/fake-api.js';

const WORKSPACE_ROUTES: Record<string, FakeRoute> = {
  'GET /me': { body: ME },
  'GET /workspaces/w1/credits': { body: { balance: 1234, available: 1234 } },
  'GET /workspaces/w1/flows': { body: { items: [] } },
  'GET /workspaces/w1/credits/usage': (request) => ({ body: { by: request.query.get('by'), from: '', to: '', items: [] } }),
  'GET /workspaces/w1/credits/ledger': { body: { items: [] } },
  'POST /auth/login': (request) => {
    const { password } = request.body as { email: string; password: string };
    if (password !== 'right password') return apiError(401, 'invalid_credentials', 'wrong email or password');
    return { body: { token: 'fresh-token', user: ME.user, workspaces: ME.workspaces } };
  },
};

function start(hash: string, routes: Record<string, FakeRoute> = {}) {
  window.location.hash = hash;
  const server = fakeServer({ ...WORKSPACE_ROUTES, ...routes });
  // The real token store: sign-in and sign-out go through localStorage as in the browser.
  render(
    <StrictMode>
      <App api={server.client({})} />
    </StrictMode>,
  );
  return server;
}

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});
afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '#/');
});

describe('App', () => {
  it('sends a signed-out person to sign-in, shows a refusal, and after signing in returns where they were going', async () => {
    const server = start('#/w/w1/usage');
    await waitFor(() => expect(window.location.hash).toBe('#/signin'));
    type('signin-email', 'ada@example.com');
    type('signin-password', 'wrong password');
    fireEvent.click(screen.getByTestId('signin-submit'));
    expect((await screen.findByRole('alert')).textContent).toMatch(/wrong email or password/);
    expect(localStorage.getItem(TOKEN_KEY)).toBeNull();

    type('signin-password', 'right password');
    fireEvent.click(screen.getByTestId('signin-submit'));
    await screen.findByTestId('usage-page');
    expect(window.location.hash).toBe('#/w/w1/usage');
    expect(screen.getByTestId('topbar')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('credit-balance').textContent).toBe('1,234 credits'));
    expect(localStorage.getItem(TOKEN_KEY)).toBe('fresh-token');
    expect(server.sent('POST', '/auth/login').map((r) => r.body)).toEqual([
      { email: 'ada@example.com', password: 'wrong password' },
      { email: 'ada@example.com', password: 'right password' },
    ]);
    expect(document.title).toBe('Usage · Nexus Flow');
  });

  it('opens the first workspace for a signed-in person, and signing out returns to sign-in', async () => {
    localStorage.setItem(TOKEN_KEY, 'stored-token');
    start('#/');
    await screen.findByTestId('flows-list');
    expect(window.location.hash).toBe('#/w/w1/flows');

    fireEvent.click(screen.getByTestId('signout'));
    await screen.findByTestId('signin-submit');
    expect(window.location.hash).toBe('#/signin');
    expect(localStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(screen.queryByTestId('topbar')).toBeNull();
  });

  it('signs out when the server no longer accepts the token, remembering the page', async () => {
    localStorage.setItem(TOKEN_KEY, 'expired-token');
    start('#/w/w1/plugins', { 'GET /me': apiError(401, 'unauthorized', 'the sign-in has expired'), 'GET /workspaces/w1/plugins': apiError(401, 'unauthorized', 'the sign-in has expired') });
    await waitFor(() => expect(window.location.hash).toBe('#/signin'));
    expect(localStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(sessionStorage.getItem('nexusflow.returnTo')).toBe('#/w/w1/plugins');
  });

  it('tells a person without a workspace, and lets them create one', async () => {
    localStorage.setItem(TOKEN_KEY, 'stored-token');
    const server = start('#/signin', {
      'GET /me': { body: { ...ME, workspaces: [] } },
      'POST /workspaces': { status: 201, body: { id: 'w1', name: 'Ada lab', role: 'owner', createdAt: 0 } },
    });
    expect((await screen.findByTestId('no-workspace')).textContent).toContain('belong to no workspace');
    type('no-workspace-name', 'Ada lab');
    fireEvent.click(screen.getByTestId('no-workspace-create'));
    await waitFor(() => expect(window.location.hash).toBe('#/w/w1/flows'));
    expect(server.sent('POST', '/workspaces').map((r) => r.body)).toEqual([{ name: 'Ada lab' }]);
  });

  it('shows a not-found page with a way home for an unknown address', async () => {
    localStorage.setItem(TOKEN_KEY, 'stored-token');
    start('#/nowhere/at/all');
    const page = await screen.findByTestId('not-found');
    expect(page.textContent).toContain('nowhere/at/all');
    expect(screen.getByRole('link', { name: /go to your workspace/i }).getAttribute('href')).toBe('#/');
  });
});

describe('landingRoute', () => {
  const me: Me = { ...ME, workspaces: [...ME.workspaces, { id: 'w2', name: 'Other', role: 'editor', createdAt: 0 }] };

  it('returns to the remembered page only when it is in one of the person’s workspaces', () => {
    expect(landingRoute(me, { name: 'usage', ws: 'w2' })).toEqual({ name: 'usage', ws: 'w2' });
    expect(landingRoute(me, { name: 'usage', ws: 'someone-elses' })).toEqual({ name: 'flows', ws: 'w1' });
    expect(landingRoute(me, undefined)).toEqual({ name: 'flows', ws: 'w1' });
    expect(landingRoute({ ...me, workspaces: [] }, undefined)).toBeUndefined();
  });
});
