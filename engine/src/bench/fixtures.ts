import type { FlowDocument, FlowEdge, FlowNode } from '@nexusflow/schemas';
import { createPlugin } from '../plugins/load-plugin.js';
import type { LoadedPlugin } from '../plugins/types.js';

/** A plugin whose one node does nothing but return: what a step costs beyond the node's own work. */
export function trivialPlugin(): LoadedPlugin {
  const result = createPlugin({
    manifest: {
      name: 'bench',
      version: '1.0.0',
      main: 'index.js',
      nodes: [{ type: 'bench/noop', title: 'No-op', ports: ['out'], capabilities: [], config: { type: 'object' } }],
    },
    code: `module.exports = { nodes: { 'bench/noop': { run: (input) => ({ port: 'out' }) } } };`,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

/**
 * A trigger followed by `steps - 1` no-op nodes in a chain, optionally ending at a wait; every tenth
 * node also has a branch beside it, so validation sees more than a straight line.
 */
export function chainFlow(steps: number, options: { id?: string; endAtWait?: boolean; branches?: boolean } = {}): FlowDocument {
  const nodes: FlowNode[] = [{ id: 'n0', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} }];
  const edges: FlowEdge[] = [];
  for (let i = 1; i < steps; i += 1) {
    nodes.push({ id: `n${i}`, type: 'bench/noop', position: { x: i * 150, y: 0 }, config: {} });
    edges.push({ id: `e${i}`, source: `n${i - 1}`, port: 'out', target: `n${i}` });
  }
  if (options.branches === true) {
    for (let i = 10; i < steps; i += 10) {
      nodes.push({
        id: `b${i}`,
        type: 'core/branch',
        position: { x: i * 150, y: 200 },
        config: { conditions: [{ port: 'yes', when: `$length(message.text) > ${i}` }] },
      });
    }
  }
  if (options.endAtWait === true) {
    nodes.push({ id: 'park', type: 'core/wait', position: { x: steps * 150, y: 0 }, config: {} });
    edges.push({ id: 'e-park', source: `n${steps - 1}`, port: 'out', target: 'park' });
  }
  return { format: 'nexusflow/flow@1', id: options.id ?? `chain-${steps}`, name: `Chain of ${steps}`, nodes, edges };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function report(name: string, figures: Record<string, string | number>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(3)) : v}`);
  console.log(`${name.padEnd(34)} ${parts.join('  ')}`);
}
