/**
 * Undo and redo over whole documents. Documents are immutable, so a step is just the previous
 * value. Edits that share a `mergeKey` with the step before them (typing in one field) fold into
 * that step, so one undo takes back the whole word rather than a letter.
 */
export interface History<T> {
  past: T[];
  present: T;
  future: T[];
  /** The merge key of the step that made `present`. */
  lastKey: string | undefined;
}

/** Steps kept; older ones are dropped. */
export const HISTORY_LIMIT = 200;

export function createHistory<T>(present: T): History<T> {
  return { past: [], present, future: [], lastKey: undefined };
}

/** Records `next` as the new present; the redo steps are gone. */
export function record<T>(history: History<T>, next: T, mergeKey?: string): History<T> {
  if (next === history.present) return history;
  if (mergeKey !== undefined && mergeKey === history.lastKey) return { ...history, present: next, future: [] };
  const past = [...history.past, history.present];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, present: next, future: [], lastKey: mergeKey };
}

export function undo<T>(history: History<T>): History<T> {
  const previous = history.past[history.past.length - 1];
  if (previous === undefined) return history;
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future], lastKey: undefined };
}

export function redo<T>(history: History<T>): History<T> {
  const next = history.future[0];
  if (next === undefined) return history;
  return { past: [...history.past, history.present], present: next, future: history.future.slice(1), lastKey: undefined };
}

export const canUndo = (history: History<unknown>) => history.past.length > 0;
export const canRedo = (history: History<unknown>) => history.future.length > 0;
