import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '@nexusflow/schemas';
import { addNode, connect, moveNodes, removeElements, setNodeConfig, setNodeLabel } from './document-edit.js';
import { copyNodes, parseClipboard, pasteNodes } from './clipboard.js';
import { canRedo, canUndo, createHistory, HISTORY_LIMIT, record, redo, undo } from './history.js';

const flow = (): FlowDocument => ({
  format: 'nexusflow/flow@1',
  id: 'f',
  name: 'F',
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    { id: 'reply-1', type: 'core/reply', position: { x: 200, y: 0 }, config: { text: 'hi' } },
    { id: 'wait-1', type: 'core/wait', position: { x: 400, y: 0 }, config: {} },
  ],
  edges: [
    { id: 'e1', source: 'start', port: 'out', target: 'reply-1' },
    { id: 'e2', source: 'reply-1', port: 'out', target: 'wait-1' },
  ],
});

describe('document edits', () => {
  it('adds a node with a fresh id on the grid and leaves the input untouched', () => {
    const before = flow();
    const { doc, id } = addNode(before, 'core/reply', { x: 103, y: 47 }, { text: '' });
    expect(id).toBe('reply-2');
    expect(doc.nodes.at(-1)).toEqual({ id: 'reply-2', type: 'core/reply', position: { x: 100, y: 50 }, config: { text: '' } });
    expect(before.nodes).toHaveLength(3);
  });

  it('removes nodes with the edges that touch them', () => {
    const doc = removeElements(flow(), ['reply-1']);
    expect(doc.nodes.map((n) => n.id)).toEqual(['start', 'wait-1']);
    expect(doc.edges).toEqual([]);
    expect(removeElements(flow(), [], ['e2']).edges.map((e) => e.id)).toEqual(['e1']);
  });

  it('replaces the edge leaving a port that is already wired, keeping its id', () => {
    const doc = connect(flow(), 'start', 'out', 'wait-1');
    expect(doc.edges).toEqual([
      { id: 'e1', source: 'start', port: 'out', target: 'wait-1' },
      { id: 'e2', source: 'reply-1', port: 'out', target: 'wait-1' },
    ]);
    const withError = connect(flow(), 'reply-1', 'error', 'wait-1');
    expect(withError.edges.at(-1)).toEqual({ id: 'e3', source: 'reply-1', port: 'error', target: 'wait-1' });
  });

  it('moves only nodes whose position changed and answers the same document when none did', () => {
    const before = flow();
    expect(moveNodes(before, new Map([['start', { x: 0, y: 0 }]]))).toBe(before);
    const moved = moveNodes(before, new Map([['start', { x: 10.4, y: 20.6 }]]));
    expect(moved.nodes[0]?.position).toEqual({ x: 10, y: 21 });
    expect(moved.nodes[1]).toBe(before.nodes[1]);
  });

  it('sets a config and a label, and clears an empty label', () => {
    const doc = setNodeLabel(setNodeConfig(flow(), 'reply-1', { text: 'bye' }), 'reply-1', ' Greeting ');
    expect(doc.nodes[1]).toMatchObject({ config: { text: 'bye' }, label: 'Greeting' });
    expect(setNodeLabel(doc, 'reply-1', '').nodes[1]).not.toHaveProperty('label');
  });
});

describe('copy and paste', () => {
  it('pastes copies with fresh ids, internal edges renamed, and never a second trigger', () => {
    const copied = copyNodes(flow(), ['start', 'reply-1', 'wait-1']);
    expect(copied.nodes.map((n) => n.id)).toEqual(['reply-1', 'wait-1']);
    expect(copied.edges.map((e) => e.id)).toEqual(['e2']);
    const round = parseClipboard(JSON.stringify(copied));
    const { doc, ids } = pasteNodes(flow(), round!);
    expect(ids).toEqual(['reply-2', 'wait-2']);
    expect(doc.nodes.find((n) => n.id === 'reply-2')?.position).toEqual({ x: 240, y: 40 });
    expect(doc.edges.at(-1)).toEqual({ id: 'e3', source: 'reply-2', port: 'out', target: 'wait-2' });
    expect(doc.nodes.filter((n) => n.type === 'core/trigger')).toHaveLength(1);
  });

  it('ignores clipboard text that is not copied nodes', () => {
    expect(parseClipboard('hello')).toBeUndefined();
    expect(parseClipboard('{"kind":"other"}')).toBeUndefined();
  });
});

describe('history', () => {
  it('undoes and redoes whole steps, and a new edit drops the redo steps', () => {
    let h = createHistory('a');
    h = record(h, 'b');
    h = record(h, 'c');
    h = undo(h);
    expect(h.present).toBe('b');
    expect(canRedo(h)).toBe(true);
    h = redo(h);
    expect(h.present).toBe('c');
    h = record(undo(h), 'd');
    expect(h.present).toBe('d');
    expect(canRedo(h)).toBe(false);
    expect(undo(undo(h)).present).toBe('a');
    expect(canUndo(undo(undo(h)))).toBe(false);
  });

  it('folds edits with the same merge key into one step (typing in one field)', () => {
    let h = createHistory('');
    for (const text of ['H', 'He', 'Hel', 'Hello']) h = record(h, text, 'config:reply-1');
    h = record(h, 'Hello!', 'config:set-1');
    expect(undo(h).present).toBe('Hello');
    expect(undo(undo(h)).present).toBe('');
  });

  it(`keeps at most ${HISTORY_LIMIT} steps`, () => {
    let h = createHistory(0);
    for (let n = 1; n <= HISTORY_LIMIT + 50; n += 1) h = record(h, n);
    expect(h.past).toHaveLength(HISTORY_LIMIT);
    expect(h.past[0]).toBe(50);
  });
});
