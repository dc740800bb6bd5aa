import type { Store } from '../types.js';

/** Opens a fresh, empty store for one part of the contract suite, and removes it afterwards. */
export type OpenStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;
