import { describe, expect, it } from 'vitest';
import echoFlow from '../../../examples/flows/echo.json' with { type: 'json' };
import faqFlow from '../../../examples/flows/faq.json' with { type: 'json' };
import leadCaptureFlow from '../../../examples/flows/lead-capture.json' with { type: 'json' };
import moodFlow from '../../../examples/flows/mood.json' with { type: 'json' };
import flowSchema from '../json/flow.schema.json' with { type: 'json' };
import {
  MAX_FLOW_EDGES,
  MAX_FLOW_NODES,
  NODE_ID_PATTERN,
  NODE_TYPE_PATTERN,
  PLUGIN_NAME_PATTERN,
  PORT_NAME_PATTERN,
  type FlowDocument,
  type FlowNode,
} from '../types/flow.js';
import { flowSchemaValidator } from './compiled-schemas.js';
import { shortenPointer } from './describe.js';
import { formatSchemaErrors } from './format-errors.js';
import { validateFlowDocument } from './validate-flow.js';

function node(id: string, type = 'test/step', config: Record<string, unknown> = {}): FlowNode {
  return { id, type, position: { x: 0, y: 0 }, config };
}

function flow(overrides: Partial<FlowDocument> = {}): FlowDocument {
  return {
    format: 'nexusflow/flow@1',
    id: 'test-flow',
    name: 'Test flow',
    nodes: [node('start', 'core/trigger'), node('step')],
    edges: [{ id: 'e1', source: 'start', port: 'out', target: 'step' }],
    ...overrides,
  };
}

/** Builds `{ a: { a: ... } }` or `[[...]]` `depth` levels deep in a bounded loop. */
function deepValue(depth: number, kind: 'object' | 'array'): unknown {
  const root: Record<string, unknown> | unknown[] = kind === 'object' ? {} : [];
  let at = root;
  for (let i = 0; i < depth; i++) {
    const next: Record<string, unknown> | unknown[] = kind === 'object' ? {} : [];
    if (Array.isArray(at)) at.push(next);
    else at.a = next;
    at = next;
  }
  return root;
}

function issuesOf(doc: unknown) {
  const result = validateFlowDocument(doc);
  return result.ok ? [] : result.issues;
}

describe('validateFlowDocument', () => {
  it('accepts the example flows', () => {
    for (const example of [echoFlow, faqFlow, leadCaptureFlow, moodFlow]) {
      expect(validateFlowDocument(example)).toEqual({ ok: true, value: example });
    }
  });

  it('returns the document itself when it is valid', () => {
    const doc = flow({ description: 'd', variables: { persona: 'friendly' }, plugins: { acme: '^1.0.0' }, meta: { zoom: 1 } });
    const result = validateFlowDocument(doc);
    expect(result.ok && result.value).toBe(doc);
  });

  it('keeps the JSON Schema file in step with the exported constants', () => {
    const defs = flowSchema.$defs;
    expect(defs.id.pattern).toBe(NODE_ID_PATTERN);
    expect(defs.nodeRef.pattern).toBe(NODE_ID_PATTERN);
    expect(defs.nodeType.pattern).toBe(NODE_TYPE_PATTERN);
    expect(defs.port.pattern).toBe(PORT_NAME_PATTERN);
    expect(defs.pluginName.pattern).toBe(PLUGIN_NAME_PATTERN);
    expect(flowSchema.properties.nodes.maxItems).toBe(MAX_FLOW_NODES);
    expect(flowSchema.properties.edges.maxItems).toBe(MAX_FLOW_EDGES);
    expect(flowSchema.properties.format.const).toBe('nexusflow/flow@1');
  });

  describe('format', () => {
    it('refuses a document without "format" and names the formats it understands', () => {
      const { format: _format, ...rest } = flow();
      expect(issuesOf(rest)).toMatchInlineSnapshot(`
        [
          {
            "code": "unsupported_format",
            "message": "missing "format"; this version understands: nexusflow/flow@1",
            "pointer": "",
          },
        ]
      `);
    });

    it('refuses an unknown format', () => {
      expect(issuesOf({ ...flow(), format: 'nexusflow/flow@9' })).toMatchInlineSnapshot(`
        [
          {
            "code": "unsupported_format",
            "message": "unknown format "nexusflow/flow@9"; this version understands: nexusflow/flow@1",
            "pointer": "/format",
          },
        ]
      `);
      expect(issuesOf({ ...flow(), format: 1 })).toMatchInlineSnapshot(`
        [
          {
            "code": "unsupported_format",
            "message": "unknown format 1; this version understands: nexusflow/flow@1",
            "pointer": "/format",
          },
        ]
      `);
    });

    it('refuses values that are not objects', () => {
      for (const value of [null, 42, 'flow', [], undefined]) {
        expect(issuesOf(value)).toEqual([{ code: 'schema', pointer: '', message: 'must be an object: a nexusflow/flow@1 document' }]);
      }
    });
  });

  it('reports every problem of a broken document, each with its pointer', () => {
    const doc = {
      format: 'nexusflow/flow@1',
      id: 'ok',
      name: '',
      color: 'red',
      plugins: { Acme: '^1.0.0', ok: 3 },
      nodes: [
        { id: 'start', type: 'core/trigger', position: { x: 0 }, config: {}, extra: true },
        { id: 'two', type: 'Core/LLM', position: { x: 0, y: 'top' }, config: [] },
        { type: 'test/step', position: { x: 0, y: 0 }, config: {} },
      ],
      edges: [{ id: 'e1', source: 'start', port: 'error!', target: 'two', weight: 1 }, 'e2'],
    };
    expect(issuesOf(doc)).toMatchInlineSnapshot(`
      [
        {
          "code": "schema",
          "message": "unknown property "color" (allowed: format, id, name, description, variables, plugins, nodes, edges, meta)",
          "pointer": "/color",
        },
        {
          "code": "schema",
          "message": "must not be empty",
          "pointer": "/name",
        },
        {
          "code": "schema",
          "message": ""Acme" is not a plugin name: use 1 to 64 lowercase letters, digits and "-", starting with a letter",
          "pointer": "/plugins/Acme",
        },
        {
          "code": "schema",
          "message": "must be a string",
          "pointer": "/plugins/ok",
        },
        {
          "code": "schema",
          "message": "unknown property "extra" (allowed: id, type, label, position, config)",
          "pointer": "/nodes/0/extra",
        },
        {
          "code": "schema",
          "message": "missing required property "y"",
          "pointer": "/nodes/0/position",
        },
        {
          "code": "schema",
          "message": ""Core/LLM" is not a node type: write "<plugin>/<node>" in lowercase letters, digits and "-", e.g. "core/llm"",
          "pointer": "/nodes/1/type",
        },
        {
          "code": "schema",
          "message": "must be a number",
          "pointer": "/nodes/1/position/y",
        },
        {
          "code": "schema",
          "message": "must be an object",
          "pointer": "/nodes/1/config",
        },
        {
          "code": "schema",
          "message": "missing required property "id"",
          "pointer": "/nodes/2",
        },
        {
          "code": "schema",
          "message": "unknown property "weight" (allowed: id, source, port, target)",
          "pointer": "/edges/0/weight",
        },
        {
          "code": "schema",
          "message": ""error!" is not a port name: start with a letter or "_", then letters, digits, "_" or "-", at most 64 characters",
          "pointer": "/edges/0/port",
        },
        {
          "code": "schema",
          "message": "must be an object",
          "pointer": "/edges/1",
        },
      ]
    `);
  });

  describe('F-07 huge graph', () => {
    it('refuses 50,000 nodes with one clear issue before reading them', () => {
      const nodes = Array.from({ length: 50_000 }, (_, i) => node(`n${i}`));
      expect(issuesOf(flow({ nodes }))).toMatchInlineSnapshot(`
        [
          {
            "code": "flow_too_large",
            "message": "too many nodes (max 5000); this flow has 50000, split the agent into several flows",
            "pointer": "/nodes",
          },
        ]
      `);
    });

    it('refuses more than 20,000 edges', () => {
      const edges = Array.from({ length: 20_001 }, (_, i) => ({ id: `e${i}`, source: 'start', port: 'out', target: 'step' }));
      expect(issuesOf(flow({ edges })).map((issue) => issue.message)).toEqual([
        'too many edges (max 20000); this flow has 20001, split the agent into several flows',
      ]);
    });

    it('gives the same message from the JSON Schema itself, for tools that use it directly', () => {
      const validate = flowSchemaValidator();
      validate(flow({ nodes: Array.from({ length: 5001 }, (_, i) => node(`n${i}`)) }));
      expect(formatSchemaErrors(validate.errors ?? [])).toEqual([
        { code: 'schema', pointer: '/nodes', message: 'too many nodes (max 5000); split the agent into several flows' },
      ]);
    });

    it('accepts exactly 5,000 nodes', () => {
      const nodes = Array.from({ length: MAX_FLOW_NODES }, (_, i) => node(`n${i}`));
      expect(validateFlowDocument(flow({ nodes, edges: [] })).ok).toBe(true);
    });
  });

  describe('F-08 deep nesting', () => {
    const tooDeep = (pointerHead: string, segment: string, levels: number) =>
      pointerHead + `/${segment}`.repeat(levels);

    it('reports a 10,000-deep object in a config at the first value past 64 levels', () => {
      const issues = issuesOf(flow({ nodes: [node('start', 'core/trigger', { a: deepValue(10_000, 'object') })] }));
      // /nodes/0/config is 3 levels; the 65th is the 62nd "a".
      const pointer = tooDeep('/nodes/0/config', 'a', 62);
      expect(issues).toEqual([
        {
          code: 'nesting_too_deep',
          pointer,
          message: `nesting deeper than 64 levels at ${shortenPointer(pointer)}; flatten this value (or store deep data as a JSON string)`,
        },
      ]);
    });

    it('reports 10,000-deep arrays in variables', () => {
      const issues = issuesOf(flow({ variables: { list: deepValue(10_000, 'array') } }));
      expect(issues.map((issue) => [issue.code, issue.pointer])).toEqual([['nesting_too_deep', tooDeep('/variables/list', '0', 63)]]);
    });

    it('reports deep values parsed from JSON text', () => {
      const text = `{"format":"nexusflow/flow@1","id":"x","name":"x","nodes":[],"edges":[],"meta":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
      expect(issuesOf(JSON.parse(text)).map((issue) => issue.code)).toEqual(['nesting_too_deep']);
    });

    it('accepts nesting of exactly 64 levels', () => {
      // /variables is level 1; 63 more nested arrays reach level 64 and the innermost is empty.
      expect(validateFlowDocument(flow({ variables: { v: deepValue(62, 'array') } })).ok).toBe(true);
      expect(issuesOf(flow({ variables: { v: deepValue(63, 'array') } })).map((issue) => issue.code)).toEqual(['nesting_too_deep']);
    });
  });

  describe('F-09 prototype-pollution keys', () => {
    const text = `{
      "format": "nexusflow/flow@1", "id": "x", "name": "x",
      "variables": { "__proto__": { "isAdmin": true } },
      "nodes": [{ "id": "start", "type": "core/trigger", "position": { "x": 0, "y": 0 },
                  "config": { "constructor": { "prototype": { "isAdmin": true } } } }],
      "edges": [],
      "meta": { "prototype": 1 },
      "__proto__": { "polluted": true }
    }`;

    it('refuses reserved keys anywhere, with the pointer of each key and a reason', () => {
      expect(issuesOf(JSON.parse(text))).toMatchInlineSnapshot(`
        [
          {
            "code": "reserved_key",
            "message": ""__proto__" is a reserved key: code that copies objects can reach prototypes through it, so it is refused anywhere in a document; rename it",
            "pointer": "/__proto__",
          },
          {
            "code": "reserved_key",
            "message": ""__proto__" is a reserved key: code that copies objects can reach prototypes through it, so it is refused anywhere in a document; rename it",
            "pointer": "/variables/__proto__",
          },
          {
            "code": "reserved_key",
            "message": ""constructor" is a reserved key: code that copies objects can reach prototypes through it, so it is refused anywhere in a document; rename it",
            "pointer": "/nodes/0/config/constructor",
          },
          {
            "code": "reserved_key",
            "message": ""prototype" is a reserved key: code that copies objects can reach prototypes through it, so it is refused anywhere in a document; rename it",
            "pointer": "/nodes/0/config/constructor/prototype",
          },
          {
            "code": "reserved_key",
            "message": ""prototype" is a reserved key: code that copies objects can reach prototypes through it, so it is refused anywhere in a document; rename it",
            "pointer": "/meta/prototype",
          },
        ]
      `);
    });

    it('leaves Object.prototype untouched', () => {
      const before = Object.getOwnPropertyNames(Object.prototype).sort();
      issuesOf(JSON.parse(text));
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('F-10 dangerous ids', () => {
    const ids = ['a.b', '#x', 'Loading...', 'a\\b', '', 'x'.repeat(10_000), 'a\u0000b', 'st\u0430rt'];

    it.each(ids.map((id) => [JSON.stringify(id).slice(0, 20), id]))('refuses node id %s with the id rule', (_name, id) => {
      const issues = issuesOf(flow({ nodes: [node(id, 'core/trigger')], edges: [] }));
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ code: 'schema', pointer: '/nodes/0/id' });
      expect(issues[0]?.message).toContain('pattern ^[A-Za-z0-9_-]{1,64}$');
      expect(issues[0]?.message.length).toBeLessThan(300);
    });

    it('explains why, and shows odd characters escaped', () => {
      const issues = issuesOf(flow({ id: 'a.b', nodes: [node('a\u0000b', 'core/trigger'), node('x'.repeat(10_000))], edges: [] }));
      expect(issues).toMatchInlineSnapshot(`
        [
          {
            "code": "schema",
            "message": ""a.b" is not a valid id: use 1 to 64 ASCII letters, digits, "_" or "-" (pattern ^[A-Za-z0-9_-]{1,64}$); ".", "#" and "\\" are not allowed because ids become state keys",
            "pointer": "/id",
          },
          {
            "code": "schema",
            "message": ""a\\u0000b" is not a valid id: use 1 to 64 ASCII letters, digits, "_" or "-" (pattern ^[A-Za-z0-9_-]{1,64}$); ".", "#" and "\\" are not allowed because ids become state keys",
            "pointer": "/nodes/0/id",
          },
          {
            "code": "schema",
            "message": ""xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… (10000 characters) is not a valid id: use 1 to 64 ASCII letters, digits, "_" or "-" (pattern ^[A-Za-z0-9_-]{1,64}$); ".", "#" and "\\" are not allowed because ids become state keys",
            "pointer": "/nodes/1/id",
          },
        ]
      `);
    });

    it('refuses edge ids and node references the same way', () => {
      const edges = [{ id: 'e.1', source: '#start', port: 'out', target: 'st\u0430rt' }];
      expect(issuesOf(flow({ edges })).map((issue) => issue.pointer)).toEqual(['/edges/0/id', '/edges/0/source', '/edges/0/target']);
    });
  });

  it('refuses values JSON cannot hold, met in process', () => {
    const doc = flow({
      variables: { nan: Number.NaN, big: 1n, when: new Date(0), fn: () => 1, list: [undefined], skipped: undefined },
      nodes: [{ ...node('start', 'core/trigger'), position: { x: Number.POSITIVE_INFINITY, y: 0 } }],
      edges: [],
    });
    expect(issuesOf(doc)).toMatchInlineSnapshot(`
      [
        {
          "code": "not_json",
          "message": "Infinity is not a JSON value; use a finite number or null",
          "pointer": "/nodes/0/position/x",
        },
        {
          "code": "not_json",
          "message": "NaN is not a JSON value; use a finite number or null",
          "pointer": "/variables/nan",
        },
        {
          "code": "not_json",
          "message": "a bigint is not a JSON value; use a number or a string",
          "pointer": "/variables/big",
        },
        {
          "code": "not_json",
          "message": "a Date object is not a JSON value; use plain objects, arrays, strings, numbers, booleans or null",
          "pointer": "/variables/when",
        },
        {
          "code": "not_json",
          "message": "a function is not a JSON value; remove it",
          "pointer": "/variables/fn",
        },
        {
          "code": "not_json",
          "message": "undefined is not a JSON value; use null",
          "pointer": "/variables/list/0",
        },
      ]
    `);
  });

  it('refuses a circular document without looping', () => {
    const variables: Record<string, unknown> = {};
    variables.self = variables;
    expect(issuesOf(flow({ variables }))).toMatchInlineSnapshot(`
      [
        {
          "code": "not_json",
          "message": "circular reference to /variables; JSON cannot hold a value that contains itself",
          "pointer": "/variables/self",
        },
      ]
    `);
  });
});
