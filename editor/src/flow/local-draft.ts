import type { FlowDocument } from '@nexusflow/schemas';

/**
 * Unsaved edits kept in the browser, so a closed tab, a crash or a draft the server refuses to save
 * (it saves only valid flows) never loses work. One per workspace and flow.
 */
export interface LocalDraft {
  document: FlowDocument;
  /** When it was written (epoch ms). */
  at: number;
  /** The server revision the edits started from. */
  baseRevision: number;
}

const PREFIX = 'nexusflow.draft';
const keyOf = (workspaceId: string, flowId: string) => `${PREFIX}.${workspaceId}.${flowId}`;

export function readLocalDraft(workspaceId: string, flowId: string): LocalDraft | undefined {
  try {
    const text = localStorage.getItem(keyOf(workspaceId, flowId));
    if (text === null) return undefined;
    const draft = JSON.parse(text) as Partial<LocalDraft> | null;
    if (typeof draft?.at !== 'number' || typeof draft.baseRevision !== 'number' || typeof draft.document !== 'object' || draft.document === null) return undefined;
    return draft as LocalDraft;
  } catch {
    return undefined;
  }
}

/** Keeps the draft; answers false when the browser refused (storage off or full). */
export function writeLocalDraft(workspaceId: string, flowId: string, draft: LocalDraft): boolean {
  try {
    localStorage.setItem(keyOf(workspaceId, flowId), JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}

export function clearLocalDraft(workspaceId: string, flowId: string): void {
  try {
    localStorage.removeItem(keyOf(workspaceId, flowId));
  } catch {
    // Storage off: there is nothing to clear.
  }
}

/** Whether a kept draft holds something the server's document does not. */
export function differsFrom(draft: LocalDraft, document: FlowDocument): boolean {
  return JSON.stringify(draft.document) !== JSON.stringify(document);
}
