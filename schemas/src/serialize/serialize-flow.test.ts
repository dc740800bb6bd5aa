import { describe, expect, it } from 'vitest';
import moodFlow from '../../../examples/flows/mood.json' with { type: 'json' };
import { FlowSerializationError } from '../errors.js';
import type { FlowDocument } from '../types/flow.js';
import { serializeFlow } from './serialize-flow.js';

/** A flow whose keys are written in an unusual order. */
function shuffledFlow(): FlowDocument {
  return {
    meta: { viewport: { zoom: 1, x: 0, y: 0 } },
    edges: [{ target: 'b', port: 'out', source: 'a', id: 'e1' }],
    nodes: [
      { config: { z: 1, a: { y: 2, b: 3 } }, position: { y: 2, x: 1 }, type: 'core/trigger', id: 'a' },
      { label: 'B', position: { x: 3, y: 4 }, id: 'b', type: 'core/end', config: {} },
    ],
    variables: { second: 2, first: 1 },
    name: 'Shuffled',
    id: 'shuffled',
    format: 'nexusflow/flow@1',
  } as FlowDocument;
}

function deepConfig(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 0; i < depth; i++) {
    const next: Record<string, unknown> = {};
    at.a = next;
    at = next;
  }
  return root;
}

describe('serializeFlow', () => {
  it('writes known structures in canonical key order and keeps the order of everything else', () => {
    expect(serializeFlow(shuffledFlow())).toMatchInlineSnapshot(`
      "{
        "format": "nexusflow/flow@1",
        "id": "shuffled",
        "name": "Shuffled",
        "variables": {
          "second": 2,
          "first": 1
        },
        "nodes": [
          {
            "id": "a",
            "type": "core/trigger",
            "position": {
              "x": 1,
              "y": 2
            },
            "config": {
              "z": 1,
              "a": {
                "y": 2,
                "b": 3
              }
            }
          },
          {
            "id": "b",
            "type": "core/end",
            "label": "B",
            "position": {
              "x": 3,
              "y": 4
            },
            "config": {}
          }
        ],
        "edges": [
          {
            "id": "e1",
            "source": "a",
            "port": "out",
            "target": "b"
          }
        ],
        "meta": {
          "viewport": {
            "zoom": 1,
            "x": 0,
            "y": 0
          }
        }
      }
      "
    `);
  });

  it('writes what JSON.stringify writes for the same keys, with a trailing newline', () => {
    const text = serializeFlow(moodFlow as FlowDocument);
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });

  it('exports a flow byte-identically after a round trip', () => {
    const once = serializeFlow(shuffledFlow());
    expect(serializeFlow(JSON.parse(once) as FlowDocument)).toBe(once);
    const mood = serializeFlow(moodFlow as FlowDocument);
    expect(serializeFlow(JSON.parse(mood) as FlowDocument)).toBe(mood);
  });

  it('drops undefined properties and writes null for what JSON cannot hold, like JSON.stringify', () => {
    const flow = { ...shuffledFlow(), description: undefined, variables: { list: [undefined, Number.NaN], when: new Date(0) } };
    const parsed = JSON.parse(serializeFlow(flow as FlowDocument)) as FlowDocument;
    expect(parsed.variables).toEqual({ list: [null, null], when: '1970-01-01T00:00:00.000Z' });
    expect('description' in parsed).toBe(false);
  });

  it('keeps own "__proto__" keys as inert data', () => {
    const flow = JSON.parse('{"format":"nexusflow/flow@1","id":"x","name":"x","nodes":[],"edges":[],"meta":{"__proto__":{"isAdmin":true}}}');
    const text = serializeFlow(flow);
    expect(text).toContain('"__proto__": {');
    expect(serializeFlow(JSON.parse(text))).toBe(text);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  describe('F-08 deep nesting', () => {
    it('refuses a 10,000-deep config with a FlowSerializationError, not a RangeError', () => {
      const flow = { ...shuffledFlow(), nodes: [{ id: 'a', type: 'core/trigger', position: { x: 0, y: 0 }, config: deepConfig(10_000) }] };
      const thrown = captureError(() => serializeFlow(flow));
      expect(thrown).toBeInstanceOf(FlowSerializationError);
      expect(thrown).toMatchObject({ code: 'nesting_too_deep', pointer: `/nodes/0/config${'/a'.repeat(62)}` });
    });

    it('refuses 10,000-deep arrays in variables', () => {
      let list: unknown[] = [];
      for (let i = 0; i < 10_000; i++) list = [list];
      const thrown = captureError(() => serializeFlow({ ...shuffledFlow(), variables: { list } }));
      expect(thrown).toMatchObject({ name: 'FlowSerializationError', code: 'nesting_too_deep' });
    });

    it('writes nesting of exactly 64 levels', () => {
      const flow = { ...shuffledFlow(), nodes: [{ id: 'a', type: 'core/trigger', position: { x: 0, y: 0 }, config: deepConfig(60) }] };
      const text = serializeFlow(flow);
      expect(serializeFlow(JSON.parse(text) as FlowDocument)).toBe(text);
    });
  });

  it('refuses circular documents and bigints', () => {
    const variables: Record<string, unknown> = {};
    variables.self = variables;
    expect(captureError(() => serializeFlow({ ...shuffledFlow(), variables }))).toMatchObject({
      code: 'not_json',
      pointer: '/variables/self',
    });
    expect(captureError(() => serializeFlow({ ...shuffledFlow(), variables: { n: 1n } }))).toMatchObject({
      code: 'not_json',
      pointer: '/variables/n',
    });
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
