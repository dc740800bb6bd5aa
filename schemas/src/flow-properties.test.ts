import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeFlow } from './serialize/serialize-flow.js';
import { FLOW_FORMAT, type FlowDocument } from './types/flow.js';
import type { ValidationIssue } from './types/issues.js';
import { prescanJson } from './validate/prescan.js';
import { validateFlowDocument } from './validate/validate-flow.js';

// RELIABILITY F-15: fixed seed in CI, 500 runs each.
const RUNS = { seed: 0x5eed_f15, numRuns: 500 };

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const nodeType = fc.stringMatching(/^[a-z][a-z0-9-]{0,63}\/[a-z][a-z0-9-]{0,63}$/);
const port = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/);
const pluginName = fc.stringMatching(/^[a-z][a-z0-9-]{0,63}$/);
const coordinate = fc.double({ noNaN: true, noDefaultInfinity: true });
/** Free-form JSON as configs and variables hold it; reserved keys are refused, so left out. */
const freeObject = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 5 })
  .filter((value) => prescanJson(value).length === 0);

/** The same object with its keys inserted in a random order. */
function shuffled<T extends object>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return arbitrary.chain((value) => {
    const keys = Object.keys(value);
    return fc
      .shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length })
      .map((order) => Object.fromEntries(order.map((key) => [key, (value as Record<string, unknown>)[key]])) as T);
  });
}

const node = shuffled(
  fc.record(
    {
      id,
      type: nodeType,
      label: fc.string({ maxLength: 200 }),
      position: shuffled(fc.record({ x: coordinate, y: coordinate })),
      config: freeObject,
    },
    { requiredKeys: ['id', 'type', 'position', 'config'] },
  ),
);
const edge = shuffled(fc.record({ id, source: id, port, target: id }));

const validFlow: fc.Arbitrary<FlowDocument> = shuffled(
  fc.record(
    {
      format: fc.constant(FLOW_FORMAT),
      id,
      name: fc.string({ minLength: 1, maxLength: 200 }),
      description: fc.string({ maxLength: 100 }),
      variables: freeObject,
      plugins: fc.dictionary(pluginName, fc.constantFrom('^1.0.0', '>=2', '*', '~0.3.1'), { maxKeys: 3 }),
      nodes: fc.array(node, { maxLength: 8 }),
      edges: fc.array(edge, { maxLength: 8 }),
      meta: freeObject,
    },
    { requiredKeys: ['format', 'id', 'name', 'nodes', 'edges'] },
  ),
);

/** Objects shaped almost like flows: each field valid, arbitrary JSON, or missing. */
const almostFlow = fc.record(
  {
    format: fc.oneof(fc.constant(FLOW_FORMAT), fc.jsonValue()),
    id: fc.oneof(id, fc.jsonValue()),
    name: fc.oneof(fc.string(), fc.jsonValue()),
    variables: fc.jsonValue(),
    plugins: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
    nodes: fc.oneof(fc.array(fc.oneof(node, fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())), { maxLength: 6 }), fc.jsonValue()),
    edges: fc.oneof(fc.array(fc.oneof(edge, fc.jsonValue()), { maxLength: 6 }), fc.jsonValue()),
    meta: fc.jsonValue(),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

function expectIssues(issues: ValidationIssue[]): void {
  expect(issues.length).toBeGreaterThan(0);
  for (const issue of issues) {
    expect(issue).toEqual({ code: expect.any(String), pointer: expect.any(String), message: expect.any(String) });
    expect(issue.pointer === '' || issue.pointer.startsWith('/')).toBe(true);
  }
}

describe('F-15 flow import and export, property-based', () => {
  it('accepts generated valid flows and exports them byte-identically after import', () => {
    fc.assert(
      fc.property(validFlow, (flow) => {
        expect(validateFlowDocument(flow).ok).toBe(true);
        const exported = serializeFlow(flow);
        const imported = validateFlowDocument(JSON.parse(exported));
        if (!imported.ok) throw new Error(`export is not valid: ${JSON.stringify(imported.issues)}`);
        expect(serializeFlow(imported.value)).toBe(exported);
        expect(JSON.parse(exported)).toEqual(JSON.parse(JSON.stringify(flow)));
      }),
      RUNS,
    );
  });

  it('returns issues for arbitrary JSON and never throws', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validateFlowDocument(value);
        expect(result.ok).toBe(false);
        if (!result.ok) expectIssues(result.issues);
      }),
      RUNS,
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it('returns issues for objects shaped almost like flows, and exports whatever it accepts stably', () => {
    fc.assert(
      fc.property(almostFlow, (value) => {
        const result = validateFlowDocument(JSON.parse(JSON.stringify(value)));
        if (!result.ok) {
          expectIssues(result.issues);
          return;
        }
        const exported = serializeFlow(result.value);
        expect(serializeFlow(JSON.parse(exported) as FlowDocument)).toBe(exported);
      }),
      RUNS,
    );
  });
});
