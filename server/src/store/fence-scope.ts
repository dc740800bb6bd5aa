import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The fencing token of the turn running in this async context. The process that holds a session's
 * place in line claims a token from the store and runs the turn inside `withFence`; every record
 * the engine saves during that turn then carries the token (`sessionStoreOf`), without the engine
 * knowing about fencing at all.
 */
const scope = new AsyncLocalStorage<{ sessionId: string; fence: number }>();

export function withFence<T>(sessionId: string, fence: number, task: () => Promise<T>): Promise<T> {
  return scope.run({ sessionId, fence }, task);
}

/** The token to save `sessionId`'s record with, or undefined outside a fenced turn (one process). */
export function fenceOf(sessionId: string): number | undefined {
  const current = scope.getStore();
  return current !== undefined && current.sessionId === sessionId ? current.fence : undefined;
}
