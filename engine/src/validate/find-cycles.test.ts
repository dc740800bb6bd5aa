import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '@nexusflow/schemas';
import { findCycles } from './find-cycles.js';

/** A flow from `a>b` arrows; node types are `wait` for ids starting with `w`. */
function graph(arrows: string[]): FlowDocument {
  const ids = [...new Set(arrows.flatMap((arrow) => arrow.split('>')))];
  return {
    format: 'nexusflow/flow@1',
    id: 'g',
    name: 'g',
    nodes: ids.map((id) => ({ id, type: id.startsWith('w') ? 'core/wait' : 'test/step', position: { x: 0, y: 0 }, config: {} })),
    edges: arrows.map((arrow, i) => {
      const [source, target] = arrow.split('>') as [string, string];
      return { id: `e${i}`, source, port: `p${i}`, target };
    }),
  };
}

const isWait = (type: string) => type === 'core/wait';

describe('findCycles', () => {
  it('finds nothing in a graph whose only cycle passes a wait', () => {
    expect(findCycles(graph(['a>b', 'b>w1', 'w1>a']), isWait)).toEqual([]);
  });

  it('reports one shortest cycle per component, starting at its first node', () => {
    const cycles = findCycles(graph(['a>b', 'b>c', 'c>a', 'c>b', 'd>e', 'e>d', 'a>d', 'f>f']), isWait);
    expect(cycles).toEqual([
      { nodeIds: ['a', 'b', 'c', 'a'], closingEdge: 2 },
      { nodeIds: ['d', 'e', 'd'], closingEdge: 5 },
      { nodeIds: ['f', 'f'], closingEdge: 7 },
    ]);
  });

  it('leaves out ignored edges', () => {
    expect(findCycles(graph(['a>b', 'b>a']), isWait, new Set([1]))).toEqual([]);
  });

  it('walks a 5,000-node chain with a back edge without overflowing the stack', () => {
    const arrows = Array.from({ length: 4999 }, (_, i) => `n${i}>n${i + 1}`);
    arrows.push('n4999>n2500');
    const [cycle] = findCycles(graph(arrows), isWait);
    expect(cycle?.nodeIds).toHaveLength(2501);
    expect(cycle?.closingEdge).toBe(4999);
  });
});
