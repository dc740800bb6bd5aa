import { describe, expect, it } from 'vitest';
import type { PluginManifest } from '@nexusflow/schemas';
import corePlugin from '../../../nodes/plugin.json';
import echo from '../../../examples/flows/echo.json';
import { importFlowText } from './import-file.js';

const manifests = [corePlugin as unknown as PluginManifest];

describe('importFlowText', () => {
  it('accepts a valid flow and keeps the id of the flow being edited', () => {
    const result = importFlowText(JSON.stringify(echo), 'my-flow', manifests);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.document.id).toBe('my-flow');
      expect(result.document.nodes.map((n) => n.id)).toEqual(['start', 'echo']);
      expect(result.renamed).toBe(true);
    }
  });

  it('lists every problem of a broken file with its pointer', () => {
    const broken = { ...echo, edges: [{ id: 'e1', source: 'start', port: 'out', target: 'ghost' }], nodes: [...echo.nodes, { id: 'bad', type: 'core/nope', position: { x: 0, y: 0 }, config: {} }] };
    const result = importFlowText(JSON.stringify(broken), 'echo-bot', manifests);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const pointers = result.problems.map((p) => p.pointer);
      expect(pointers).toContain('/edges/0/target');
      expect(pointers).toContain('/nodes/2/type');
    }
    const notJson = importFlowText('{ nope', 'x', manifests);
    expect(notJson).toMatchObject({ ok: false, problems: [{ pointer: '/' }] });
  });
});
