import { useSyncExternalStore } from 'react';
import { tokenStore } from '../api/index.js';

const readToken = () => tokenStore.get();

/** The stored sign-in token, following sign-in, sign-out, a 401 and other tabs. */
export function useToken(): string | undefined {
  return useSyncExternalStore(tokenStore.subscribe, readToken, () => undefined);
}
