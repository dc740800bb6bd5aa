import { useSyncExternalStore } from 'react';

/**
 * The editor's hash router. Routes live after `#` so the server only ever serves index.html:
 *
 * | hash                          | route      |
 * |-------------------------------|------------|
 * | `#/` (or empty)               | home (goes to the first workspace) |
 * | `#/signin`, `#/signup`        | sign-in, sign-up |
 * | `#/w/<ws>` , `#/w/<ws>/flows` | flows list |
 * | `#/w/<ws>/flows/<flowId>`     | one flow   |
 * | `#/w/<ws>/sessions`           | conversations |
 * | `#/w/<ws>/sessions/<id>`      | one conversation's transcript |
 * | `#/w/<ws>/contacts`           | contacts   |
 * | `#/w/<ws>/contacts/<id>`      | one contact and their conversations |
 * | `#/w/<ws>/channels`           | channel connections (WhatsApp) |
 * | `#/w/<ws>/apps`               | generated apps' deployments |
 * | `#/w/<ws>/usage`              | credit usage |
 * | `#/w/<ws>/plugins`            | plugins    |
 *
 * Anything after `?` is ignored; path segments are URI-decoded.
 */
export type Route =
  | { name: 'home' }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'flows'; ws: string }
  | { name: 'flow'; ws: string; flowId: string }
  | { name: 'sessions'; ws: string }
  | { name: 'session'; ws: string; sessionId: string }
  | { name: 'contacts'; ws: string }
  | { name: 'contact'; ws: string; contactId: string }
  | { name: 'channels'; ws: string }
  | { name: 'apps'; ws: string }
  | { name: 'usage'; ws: string }
  | { name: 'plugins'; ws: string }
  | { name: 'notFound'; path: string };

export type WorkspaceRoute = Extract<Route, { ws: string }>;
/** The top-level sections of a workspace (what the nav links to). */
export type Section = 'flows' | 'sessions' | 'contacts' | 'channels' | 'apps' | 'usage' | 'plugins';

function decode(segment: string): string | undefined {
  try {
    const value = decodeURIComponent(segment);
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const segments = path.split('/').filter((s) => s !== '');
  const notFound: Route = { name: 'notFound', path: path === '' ? '/' : path };
  if (segments.length === 0) return { name: 'home' };
  const [first, ...rest] = segments;
  if (rest.length === 0 && first === 'signin') return { name: 'signin' };
  if (rest.length === 0 && first === 'signup') return { name: 'signup' };
  if (first !== 'w') return notFound;
  const decoded = rest.map(decode);
  if (decoded.some((s) => s === undefined)) return notFound;
  const [ws, section, id, ...more] = decoded as string[];
  if (ws === undefined || more.length > 0) return notFound;
  switch (section) {
    case undefined:
      return { name: 'flows', ws };
    case 'flows':
      return id === undefined ? { name: 'flows', ws } : { name: 'flow', ws, flowId: id };
    case 'sessions':
      return id === undefined ? { name: 'sessions', ws } : { name: 'session', ws, sessionId: id };
    case 'contacts':
      return id === undefined ? { name: 'contacts', ws } : { name: 'contact', ws, contactId: id };
    case 'channels':
      return id === undefined ? { name: 'channels', ws } : notFound;
    case 'apps':
      return id === undefined ? { name: 'apps', ws } : notFound;
    case 'usage':
      return id === undefined ? { name: 'usage', ws } : notFound;
    case 'plugins':
      return id === undefined ? { name: 'plugins', ws } : notFound;
    default:
      return notFound;
  }
}

const enc = encodeURIComponent;

/** The `#/...` link of a route (the inverse of `parseRoute`). */
export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'signin':
      return '#/signin';
    case 'signup':
      return '#/signup';
    case 'flows':
      return `#/w/${enc(route.ws)}/flows`;
    case 'flow':
      return `#/w/${enc(route.ws)}/flows/${enc(route.flowId)}`;
    case 'sessions':
      return `#/w/${enc(route.ws)}/sessions`;
    case 'session':
      return `#/w/${enc(route.ws)}/sessions/${enc(route.sessionId)}`;
    case 'contacts':
      return `#/w/${enc(route.ws)}/contacts`;
    case 'contact':
      return `#/w/${enc(route.ws)}/contacts/${enc(route.contactId)}`;
    case 'channels':
      return `#/w/${enc(route.ws)}/channels`;
    case 'apps':
      return `#/w/${enc(route.ws)}/apps`;
    case 'usage':
      return `#/w/${enc(route.ws)}/usage`;
    case 'plugins':
      return `#/w/${enc(route.ws)}/plugins`;
    case 'notFound':
      return `#${route.path.startsWith('/') ? '' : '/'}${route.path}`;
  }
}

export function sectionOf(route: WorkspaceRoute): Section {
  switch (route.name) {
    case 'flow':
    case 'flows':
      return 'flows';
    case 'session':
    case 'sessions':
      return 'sessions';
    case 'contact':
    case 'contacts':
      return 'contacts';
    default:
      return route.name;
  }
}

export function isWorkspaceRoute(route: Route): route is WorkspaceRoute {
  return 'ws' in route;
}

/** Goes to `route`; `replace` swaps the history entry (redirects) instead of adding one. */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefOf(route);
  if (window.location.hash === href) return;
  if (options.replace === true) {
    window.history.replaceState(window.history.state, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = href;
  }
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  window.addEventListener('popstate', onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener('popstate', onChange);
  };
}

const currentHash = () => window.location.hash;

/** The current location hash, following changes. */
export function useHash(): string {
  return useSyncExternalStore(subscribe, currentHash, () => '');
}

/** The current route, following the location hash. */
export function useRoute(): Route {
  return parseRoute(useHash());
}

const RETURN_KEY = 'nexusflow.returnTo';

/** Remembers where a signed-out person was going, to go there after signing in. */
export function rememberReturnTo(route: Route): void {
  if (!isWorkspaceRoute(route)) return;
  try {
    sessionStorage.setItem(RETURN_KEY, hrefOf(route));
  } catch {
    // No session storage: they land on their first workspace instead.
  }
}

/** The remembered route (once), if any. */
export function takeReturnTo(): Route | undefined {
  try {
    const href = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    if (href === null) return undefined;
    const route = parseRoute(href);
    return isWorkspaceRoute(route) ? route : undefined;
  } catch {
    return undefined;
  }
}
