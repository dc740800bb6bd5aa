import { describe, expect, it } from 'vitest';
import { registryFromManifests } from '@nexusflow/engine/browser';
import type { FlowDocument, PluginManifest } from '@nexusflow/schemas';
import corePlugin from '../../../nodes/plugin.json';
import lead from '../../../examples/flows/lead-capture.json';
import { syncEdges, syncNodes, summaryOf, type CanvasView } from './graph.js';
import { checkDocument, placeProblems, problemsByElement } from './problems.js';
import { layoutFlow } from './layout.js';

const registry = registryFromManifests([corePlugin as unknown as PluginManifest]);

function broken(): FlowDocument {
  return {
    format: 'nexusflow/flow@1',
    id: 'f',
    name: 'F',
    nodes: [
      { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
      { id: 'say', type: 'core/reply', position: { x: 200, y: 0 }, config: { text: 'Hi {{ message.text ' } },
      { id: 'odd', type: 'acme/missing', position: { x: 400, y: 0 }, config: {} },
    ],
    edges: [
      { id: 'e1', source: 'start', port: 'out', target: 'say' },
      { id: 'e2', source: 'say', port: 'out', target: 'ghost' },
    ],
  };
}

describe('live validation', () => {
  it('finds what the server finds and places each problem on its node, field or edge', () => {
    const doc = broken();
    const placed = placeProblems(doc, checkDocument(doc, registry));
    expect(placed.map((p) => [p.code, p.pointer, p.nodeId ?? p.edgeId ?? null, p.field ?? null])).toEqual(
      expect.arrayContaining([
        ['template_unterminated', '/nodes/1/config/text', 'say', 'text'],
        [expect.any(String), '/nodes/2/type', 'odd', null],
        [expect.any(String), '/edges/1/target', 'e2', null],
      ]),
    );
    const grouped = problemsByElement(placed);
    expect(grouped.nodes.get('say')?.[0]?.message).toMatch(/never closed/);
    expect(grouped.edges.get('e2')).toHaveLength(1);
  });

  it('finds nothing wrong with an example flow', () => {
    expect(checkDocument(lead as unknown as FlowDocument, registry)).toEqual([]);
  });
});

describe('canvas graph', () => {
  const view = (doc: FlowDocument, activeNodeId?: string): CanvasView => ({
    registry,
    palette: new Map(),
    problems: problemsByElement(placeProblems(doc, checkDocument(doc, registry))),
    activeNodeId,
    runs: {},
  });

  it('draws one handle per port, marks unknown types and problems, and lights the active node', () => {
    const doc = broken();
    const nodes = syncNodes([], doc, view(doc, 'say'));
    expect(nodes.map((n) => [n.id, n.data.ports, n.data.unknown, n.data.active, n.data.problems.length > 0])).toEqual([
      ['start', ['out'], false, false, false],
      ['say', ['out'], false, true, true],
      ['odd', [], true, false, true],
    ]);
    const edges = syncEdges([], doc, view(doc, 'say'));
    expect(edges.map((e) => [e.id, e.sourceHandle, e.animated, e.className ?? ''])).toEqual([
      ['e1', 'out', true, ''],
      ['e2', 'out', false, 'edge-problem'],
    ]);
  });

  it('keeps the objects of nodes that did not change, so React Flow re-renders only what changed', () => {
    const doc = broken();
    const first = syncNodes([], doc, view(doc));
    const moved: FlowDocument = { ...doc, nodes: doc.nodes.map((n) => (n.id === 'say' ? { ...n, position: { x: 250, y: 10 } } : n)) };
    const second = syncNodes(first, moved, view(doc));
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]?.position).toEqual({ x: 250, y: 10 });
    expect(second[1]?.data).toBe(first[1]?.data);
  });

  it('follows a branch: one port per condition plus otherwise', () => {
    const doc: FlowDocument = {
      ...broken(),
      nodes: [{ id: 'pick', type: 'core/branch', position: { x: 0, y: 0 }, config: { conditions: [{ port: 'yes', when: 'true' }], otherwise: 'no' } }],
      edges: [],
    };
    expect(syncNodes([], doc, view(doc))[0]?.data.ports).toEqual(['yes', 'no']);
  });

  it('summarises a config in one short line', () => {
    expect(summaryOf({ text: 'Hello\n  there' })).toBe('Hello there');
    expect(summaryOf({ conditions: [{}, {}] })).toBe('2 conditions');
    expect(summaryOf({ vars: { name: 'x', email: 'y' } })).toBe('name, email');
    expect(summaryOf({ text: 'x'.repeat(100) })).toHaveLength(60);
  });
});

describe('layoutFlow', () => {
  it('lays a chain out left to right without overlaps', async () => {
    const doc = lead as unknown as FlowDocument;
    const positions = await layoutFlow(doc);
    expect(positions.size).toBe(doc.nodes.length);
    const start = positions.get('start')!;
    for (const edge of doc.edges.filter((e) => e.source === 'start')) expect(positions.get(edge.target)!.x).toBeGreaterThan(start.x);
    const boxes = [...positions.values()];
    for (let i = 0; i < boxes.length; i += 1)
      for (let j = i + 1; j < boxes.length; j += 1) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        expect(Math.abs(a.x - b.x) >= 180 || Math.abs(a.y - b.y) >= 80).toBe(true);
      }
  });
});
