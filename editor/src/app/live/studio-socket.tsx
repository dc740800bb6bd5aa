import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react';
import { io } from 'socket.io-client';
import { useToken } from '../useToken.js';
import './live.css';

/**
 * The editor's live connection to the server's `/studio` Socket.IO namespace (channel statuses,
 * live conversations). Pages reach it through `useStudioSocket`; tests put a fake behind
 * `StudioProvider`, the socket boundary, as the page tests put a fake behind `fetch`.
 */

// Event payloads are whatever the server sends; each listener checks the shape it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** What the pages use of a socket.io-client `Socket`. */
export interface StudioSocket {
  readonly connected: boolean;
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  /** With a function last, the server's acknowledgement comes back through it. */
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(): unknown;
}

/** Opens a socket signed in with `token`. */
export type StudioConnector = (token: string) => StudioSocket;

/** The page's own origin; the Vite dev server forwards /socket.io to the API server. */
export const connectStudio: StudioConnector = (token) => io('/studio', { auth: { token }, transports: ['websocket'] });

const StudioContext = createContext<StudioConnector>(connectStudio);

export function StudioProvider({ connect, children }: { connect: StudioConnector; children: ReactNode }) {
  return createElement(StudioContext.Provider, { value: connect }, children);
}

export type StudioLink =
  | { state: 'connecting' }
  | { state: 'live' }
  /** `reason` is a sentence: why updates stopped, what to do. */
  | { state: 'offline'; reason: string };

export interface StudioHandle {
  /** The socket once opened (undefined while signed out). */
  socket: StudioSocket | undefined;
  link: StudioLink;
}

/**
 * One `/studio` socket for the component's lifetime, signed in with the stored token. It
 * reconnects on its own; listeners of `connect` run again after each reconnect, which is where
 * subscriptions (`watch`, `channels.watch`) are renewed.
 */
export function useStudioSocket(): StudioHandle {
  const connect = useContext(StudioContext);
  const token = useToken();
  const [socket, setSocket] = useState<StudioSocket | undefined>(undefined);
  const [link, setLink] = useState<StudioLink>({ state: 'connecting' });

  useEffect(() => {
    if (token === undefined || token === '') return undefined;
    const opened = connect(token);
    const onConnect = () => setLink({ state: 'live' });
    const onDisconnect = () => setLink({ state: 'offline', reason: 'the live connection dropped; reconnecting…' });
    const onError = (error: { message?: string }) => setLink({ state: 'offline', reason: `cannot connect for live updates (${error?.message ?? 'unknown error'}); retrying…` });
    const onExpired = () => setLink({ state: 'offline', reason: 'your sign-in expired; sign in again for live updates' });
    opened.on('connect', onConnect);
    opened.on('disconnect', onDisconnect);
    opened.on('connect_error', onError);
    opened.on('auth_expired', onExpired);
    setSocket(opened);
    setLink(opened.connected ? { state: 'live' } : { state: 'connecting' });
    return () => {
      opened.off('connect', onConnect);
      opened.off('disconnect', onDisconnect);
      opened.off('connect_error', onError);
      opened.off('auth_expired', onExpired);
      opened.disconnect();
      setSocket(undefined);
    };
  }, [connect, token]);

  return { socket, link };
}

/** Runs `subscribe` now if connected and after every (re)connect; `cleanup` undoes listeners. */
export function onEachConnect(socket: StudioSocket, subscribe: () => void): () => void {
  socket.on('connect', subscribe);
  if (socket.connected) subscribe();
  return () => void socket.off('connect', subscribe);
}

/**
 * What a page that subscribes over the socket shows: live once the server confirmed the
 * subscription, offline with `refused` when it declined, else the socket's own state.
 */
export function subscriptionLink(link: StudioLink, subscribed: boolean, refused: string | undefined): StudioLink {
  if (link.state !== 'live') return link;
  if (refused !== undefined) return { state: 'offline', reason: refused };
  return subscribed ? link : { state: 'connecting' };
}

/** "Live" with a dot, or why live updates are off. */
export function LiveIndicator({ link, testId = 'live-status' }: { link: StudioLink; testId?: string }) {
  const label = link.state === 'live' ? 'Live' : link.state === 'connecting' ? 'Connecting…' : 'Offline';
  return (
    <span className={`live-indicator live-${link.state}`} role="status" data-testid={testId} data-state={link.state} title={link.state === 'offline' ? link.reason : 'updates arrive as they happen'}>
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
