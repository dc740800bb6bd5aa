/**
 * The sign-in token, kept in localStorage under `nexusflow.token`. Components follow it with
 * `subscribe` (the app shell uses useSyncExternalStore), so clearing it anywhere (the API client on
 * a 401, sign-out, another tab) signs the whole app out.
 */

export const TOKEN_KEY = 'nexusflow.token';

type Listener = () => void;
const listeners = new Set<Listener>();

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    // Storage can be disabled (privacy modes); the app then keeps the token in memory only.
    return undefined;
  }
}

let memory: string | undefined;

function notify(): void {
  for (const listener of [...listeners]) listener();
}

export const tokenStore = {
  get(): string | undefined {
    const store = storage();
    if (store === undefined) return memory;
    return store.getItem(TOKEN_KEY) ?? undefined;
  },
  set(token: string): void {
    const store = storage();
    if (store === undefined) memory = token;
    else store.setItem(TOKEN_KEY, token);
    notify();
  },
  clear(): void {
    const store = storage();
    if (store === undefined) memory = undefined;
    else store.removeItem(TOKEN_KEY);
    notify();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    const onStorage = (event: StorageEvent) => {
      if (event.key === TOKEN_KEY || event.key === null) listener();
    };
    if (typeof window !== 'undefined') window.addEventListener('storage', onStorage);
    return () => {
      listeners.delete(listener);
      if (typeof window !== 'undefined') window.removeEventListener('storage', onStorage);
    };
  },
};

/** The claims of a JWT read without checking it (the server checks); `undefined` when unreadable. */
export function tokenClaims(token: string): { sub?: string; iat?: number; exp?: number } | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const claims = JSON.parse(json) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as { sub?: string; iat?: number; exp?: number }) : undefined;
  } catch {
    return undefined;
  }
}
