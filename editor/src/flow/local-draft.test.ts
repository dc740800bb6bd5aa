import { afterEach, describe, expect, it } from 'vitest';
import type { FlowDocument } from '@nexusflow/schemas';
import { clearLocalDraft, differsFrom, readLocalDraft, writeLocalDraft } from './local-draft.js';

const doc = (name: string): FlowDocument => ({ format: 'nexusflow/flow@1', id: 'f', name, nodes: [], edges: [] });

describe('local drafts', () => {
  afterEach(() => localStorage.clear());

  it('keeps unsaved edits per workspace and flow until they are cleared', () => {
    expect(writeLocalDraft('ws1', 'f', { document: doc('Edited'), at: 5, baseRevision: 2 })).toBe(true);
    expect(readLocalDraft('ws1', 'f')).toEqual({ document: doc('Edited'), at: 5, baseRevision: 2 });
    expect(readLocalDraft('ws2', 'f')).toBeUndefined();
    clearLocalDraft('ws1', 'f');
    expect(readLocalDraft('ws1', 'f')).toBeUndefined();
  });

  it('ignores a damaged entry instead of failing the page', () => {
    localStorage.setItem('nexusflow.draft.ws1.f', '{not json');
    expect(readLocalDraft('ws1', 'f')).toBeUndefined();
    localStorage.setItem('nexusflow.draft.ws1.f', JSON.stringify({ at: 'yesterday' }));
    expect(readLocalDraft('ws1', 'f')).toBeUndefined();
  });

  it('tells whether the kept draft differs from the saved flow', () => {
    const draft = { document: doc('A'), at: 1, baseRevision: 1 };
    expect(differsFrom(draft, doc('A'))).toBe(false);
    expect(differsFrom(draft, doc('B'))).toBe(true);
  });
});
