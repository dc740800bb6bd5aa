import type { ReactElement } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { API_PREFIX, ApiProvider, createApiClient, createQueryClient, type ApiClientOptions, type Me } from '../../api/index.js';

/**
 * A fake server at the network boundary for component tests: `fetch` answers canned JSON per
 * `METHOD /path` (the path below /api/v1, without the query) and records every request.
 */

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
}

export type FakeRoute = FakeAnswer | ((request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>);

export function fakeServer(routes: Record<string, FakeRoute>) {
  const requests: FakeRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://editor.test');
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    const request: FakeRequest = { method: init?.method ?? 'GET', path, query: url.searchParams, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined };
    requests.push(request);
    const route = routes[`${request.method} ${path}`];
    const answer: FakeAnswer =
      route === undefined
        ? { status: 404, body: { error: 'not_found', message: `the fake server has no answer for ${request.method} ${path}`, requestId: 'req-test' } }
        : typeof route === 'function'
          ? await route(request)
          : route;
    const status = answer.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(answer.body ?? {}), { status, headers: { 'Content-Type': 'application/json' } });
  };
  const client = (options: Omit<ApiClientOptions, 'fetch'> = { getToken: () => 'test-token', onUnauthorized: () => undefined }) => createApiClient({ ...options, fetch });
  return { fetch, client, requests, sent: (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path) };
}

/** The API's error answer. */
export function apiError(status: number, error: string, message: string, details?: { pointer: string; message: string }[]): FakeAnswer {
  return { status, body: { error, message, requestId: 'req-test', ...(details === undefined ? {} : { details }) } };
}

export const ME: Me = {
  user: { id: 'u1', email: 'ada@example.com', name: 'Ada', createdAt: 0 },
  workspaces: [{ id: 'w1', name: 'Acme', role: 'owner', createdAt: 0 }],
};

/** Renders `ui` with a fresh query cache and an API client talking to `server`. */
export function renderWithApi(ui: ReactElement, server: ReturnType<typeof fakeServer>) {
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <ApiProvider client={server.client()}>{ui}</ApiProvider>
    </QueryClientProvider>,
  );
}
