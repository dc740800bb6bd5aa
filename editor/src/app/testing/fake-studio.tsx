import type { ReactElement } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render } from '@testing-library/react';
import { ApiProvider, createQueryClient, TOKEN_KEY } from '../../api/index.js';
import { StudioProvider, type StudioSocket } from '../live/studio-socket.js';
import type { fakeServer } from './fake-api.js';

/**
 * A fake `/studio` Socket.IO server at the socket boundary for component tests: sockets it opens
 * connect on the next tick, every emit is recorded, acknowledgements come from `answers` per event
 * name, and `push` sends a server event to every open socket.
 */

type Listener = (...args: unknown[]) => void;

export interface FakeEmit {
  event: string;
  payload: unknown;
  token: string;
}

class FakeSocket implements StudioSocket {
  connected = false;
  closed = false;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    readonly token: string,
    private readonly onEmit: (socket: FakeSocket, event: string, payload: unknown) => unknown,
  ) {}

  on(event: string, listener: Listener) {
    const set = this.listeners.get(event) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(event, set);
    return this;
  }

  off(event: string, listener: Listener) {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  emit(event: string, ...args: unknown[]) {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (answer: unknown) => void) : undefined;
    const answer = this.onEmit(this, event, args[0]);
    if (ack !== undefined) queueMicrotask(() => ack(answer));
    return this;
  }

  disconnect() {
    this.closed = true;
    this.setConnected(false);
    return this;
  }

  /** Fires a server event at this socket's listeners. */
  fire(event: string, ...args: unknown[]) {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args);
  }

  setConnected(connected: boolean) {
    if (this.connected === connected) return;
    this.connected = connected;
    this.fire(connected ? 'connect' : 'disconnect');
  }
}

export function fakeStudio(answers: Record<string, (payload: unknown) => unknown> = {}) {
  const sockets: FakeSocket[] = [];
  const emits: FakeEmit[] = [];
  const connect = (token: string): StudioSocket => {
    const socket = new FakeSocket(token, (from, event, payload) => {
      emits.push({ event, payload, token: from.token });
      return answers[event]?.(payload) ?? { ok: true };
    });
    sockets.push(socket);
    setTimeout(() => {
      if (!socket.closed) socket.setConnected(true);
    }, 0);
    return socket;
  };
  const open = () => sockets.filter((s) => !s.closed);
  return {
    connect,
    sockets,
    emits,
    emitted: (event: string) => emits.filter((e) => e.event === event),
    /**
     * Sends a server event to every open socket, inside act, and waits a macrotask: the query
     * cache tells its observers on a timer, so the page has rendered the change when this resolves.
     */
    async push(event: string, payload: unknown) {
      await act(async () => {
        for (const socket of open()) socket.fire(event, payload);
        await new Promise((resolve) => setTimeout(resolve, 0));
      });
    },
    /** Drops every open socket's connection and brings it back, as a network blip would. */
    reconnect() {
      act(() => {
        for (const socket of open()) socket.setConnected(false);
      });
      act(() => {
        for (const socket of open()) socket.setConnected(true);
      });
    },
  };
}

/** Renders `ui` signed in (a stored token) with a fresh query cache, the fake API and the fake studio socket. */
export function renderLive(ui: ReactElement, server: ReturnType<typeof fakeServer>, studio: ReturnType<typeof fakeStudio>) {
  localStorage.setItem(TOKEN_KEY, 'test-token');
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <ApiProvider client={server.client()}>
        <StudioProvider connect={studio.connect}>{ui}</StudioProvider>
      </ApiProvider>
    </QueryClientProvider>,
  );
}
