import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileConfigValidator,
  type FlowDocument,
  type FlowEdge,
  type FlowNode,
  type JsonSchema,
  type ValidationIssue,
} from '@nexusflow/schemas';
import type { LoadedPlugin, NodeTypeInfo, NodeTypeRegistry } from '../plugins/types.js';
import { checkFlow, type FlowCheckOptions } from './index.js';

const EMPTY_CONFIG: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };
const STEP_CONFIG: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { text: { type: 'string' }, code: { type: 'string' } },
};
const BILLING_CONFIG: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['minCredits', 'provider'],
  properties: {
    minCredits: { type: 'integer', minimum: 0 },
    provider: { enum: ['openai', 'anthropic'] },
  },
};

function nodeType(type: string, ports: string[], config = EMPTY_CONFIG, rawConfigKeys?: string[]): NodeTypeInfo {
  const info: NodeTypeInfo = { type, kind: 'native', ports: () => ports, validateConfig: compileConfigValidator(config) };
  if (rawConfigKeys !== undefined) info.rawConfigKeys = rawConfigKeys;
  return info;
}

function installed(name: string, version: string): LoadedPlugin {
  return {
    manifest: { name, version, main: 'dist/index.js', nodes: [] },
    code: { pluginName: name, codeHash: '0'.repeat(64), code: '' },
  };
}

/** A small registry: the native types, a `test` plugin and nothing else. */
function testRegistry(options: { without?: string[] } = {}): NodeTypeRegistry {
  const types = new Map(
    [
      nodeType('core/trigger', ['out']),
      nodeType('core/wait', ['out']),
      nodeType('core/end', []),
      nodeType('test/step', ['out'], STEP_CONFIG, ['code']),
      nodeType('test/branchy', ['yes', 'no']),
      nodeType('test/billing', ['ok', 'insufficient'], BILLING_CONFIG),
    ]
      .filter((info) => !options.without?.includes(info.type))
      .map((info) => [info.type, info]),
  );
  const plugins = new Map([['test', installed('test', '1.4.0')]]);
  return { get: (type) => types.get(type), types: () => [...types.keys()], plugin: (name) => plugins.get(name) };
}

const registry = testRegistry();

function node(id: string, type = 'test/step', config: Record<string, unknown> = {}): FlowNode {
  return { id, type, position: { x: 0, y: 0 }, config };
}

/** `edge('a', 'b')` is the edge a -out-> b with id `a-b`. */
function edge(source: string, target: string, port = 'out', id = `${source}-${target}`): FlowEdge {
  return { id, source, port, target };
}

function flow(nodes: FlowNode[], edges: FlowEdge[], extra: Partial<FlowDocument> = {}): FlowDocument {
  return { format: 'nexusflow/flow@1', id: 'test-flow', name: 'Test flow', nodes, edges, ...extra };
}

function issuesOf(doc: unknown, options: Partial<FlowCheckOptions> = {}): ValidationIssue[] {
  const result = checkFlow(doc, { registry, ...options });
  return result.ok ? [] : result.issues;
}

describe('checkFlow', () => {
  it('accepts a valid flow and returns it', () => {
    const doc = flow(
      [node('start', 'core/trigger'), node('ask', 'test/branchy'), node('yes'), node('wait', 'core/wait'), node('bye', 'core/end')],
      [edge('start', 'ask'), edge('ask', 'yes', 'yes'), edge('ask', 'bye', 'no'), edge('yes', 'wait'), edge('wait', 'ask'), edge('yes', 'bye', 'error')],
      { plugins: { test: '^1.2.0' } },
    );
    expect(checkFlow(doc, { registry })).toEqual({ ok: true, value: doc });
  });

  it('reports shape problems and graph problems together when the graph can still be read', () => {
    const doc = flow([node('start', 'core/trigger'), node('a.b')], [edge('start', 'ghost')]);
    expect(issuesOf(doc).map((issue) => issue.pointer)).toEqual(['/nodes/1/id', '/edges/0/target']);
  });

  it('stops at the shape when nodes or edges lack the fields the graph rules read', () => {
    const doc = flow([node('start', 'core/trigger'), node('a')], [edge('start', 'ghost')]);
    delete (doc.nodes[1] as { id?: string }).id;
    expect(issuesOf(doc).map((issue) => issue.pointer)).toEqual(['/nodes/1']);
  });

  describe('F-01 cycle without a wait', () => {
    it('names the cycle and points at its closing edge', () => {
      const doc = flow(
        [node('start', 'core/trigger'), node('A'), node('B'), node('C')],
        [edge('start', 'A'), edge('A', 'B'), edge('B', 'C'), edge('C', 'A', 'error')],
      );
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "flow_cycle_without_wait",
            "message": "cycle A → B → C → A has no core/wait; add a core/wait on it so the flow waits for the next message",
            "pointer": "/edges/3",
          },
        ]
      `);
    });

    it('accepts the same cycle once it passes through a core/wait', () => {
      const doc = flow(
        [node('start', 'core/trigger'), node('A'), node('B'), node('C', 'core/wait')],
        [edge('start', 'A'), edge('A', 'B'), edge('B', 'C'), edge('C', 'A')],
      );
      expect(issuesOf(doc)).toEqual([]);
    });

    it('counts a self-loop, and reports each cycle once', () => {
      const doc = flow(
        [node('start', 'core/trigger'), node('loop', 'test/branchy'), node('x', 'test/branchy'), node('y'), node('z')],
        [
          edge('start', 'loop'),
          edge('loop', 'loop', 'yes'),
          edge('loop', 'x', 'no'),
          // x, y and z form one component with two cycles: x → y → x and x → z → y → x.
          edge('x', 'y', 'yes'),
          edge('x', 'z', 'no'),
          edge('z', 'y'),
          edge('y', 'x'),
        ],
      );
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "flow_cycle_without_wait",
            "message": "cycle loop → loop has no core/wait; add a core/wait on it so the flow waits for the next message",
            "pointer": "/edges/1",
          },
          {
            "code": "flow_cycle_without_wait",
            "message": "cycle x → y → x has no core/wait; add a core/wait on it so the flow waits for the next message",
            "pointer": "/edges/6",
          },
        ]
      `);
    });

    it('handles a 5,000-node ring without recursion and shortens the message', () => {
      const ids = Array.from({ length: 5000 }, (_, i) => `n${i}`);
      const nodes = [node('start', 'core/trigger'), ...ids.slice(1).map((id) => node(id))];
      ids[0] = 'start';
      const edges = ids.map((id, i) => edge(id, ids[(i + 1) % ids.length] as string));
      expect(issuesOf(flow(nodes, edges))).toMatchInlineSnapshot(`
        [
          {
            "code": "flow_cycle_without_wait",
            "message": "cycle start → n1 → n2 → n3 → n4 → n5 → … (4989 more) → n4995 → n4996 → n4997 → n4998 → n4999 → start has no core/wait; add a core/wait on it so the flow waits for the next message",
            "pointer": "/edges/4999",
          },
        ]
      `);
    });
  });

  describe('F-03 dangling edges', () => {
    it('reports a missing target and a port the source does not have', () => {
      const doc = flow(
        [node('start', 'core/trigger'), node('ask', 'test/branchy'), node('end', 'core/end')],
        [edge('start', 'ask'), edge('ask', 'ghost', 'yes'), edge('ask', 'end', 'maybe'), edge('end', 'start', 'out'), edge('nobody', 'end')],
      );
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "dangling_edge",
            "message": "edge "ask-ghost" leads to node "ghost", which does not exist; connect it to an existing node or delete the edge",
            "pointer": "/edges/1/target",
          },
          {
            "code": "unknown_port",
            "message": "node "ask" (test/branchy) has no port "maybe"; its ports are "yes", "no" and "error", which every node has",
            "pointer": "/edges/2/port",
          },
          {
            "code": "unknown_port",
            "message": "node "end" (core/end) has no port "out"; its only port is "error", which every node has",
            "pointer": "/edges/3/port",
          },
          {
            "code": "dangling_edge",
            "message": "edge "nobody-end" starts at node "nobody", which does not exist; connect it to an existing node or delete the edge",
            "pointer": "/edges/4/source",
          },
        ]
      `);
    });

    it('always allows the error port', () => {
      const doc = flow([node('start', 'core/trigger'), node('end', 'core/end')], [edge('start', 'end'), edge('end', 'start', 'error')]);
      expect(issuesOf(doc).map((issue) => issue.code)).toEqual(['flow_cycle_without_wait']);
    });
  });

  describe('F-04 duplicates and fan-out', () => {
    it('reports duplicate node ids', () => {
      const doc = flow([node('start', 'core/trigger'), node('a'), node('a')], [edge('start', 'a')]);
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "duplicate_node_id",
            "message": "node id "a" is already used by /nodes/1; give every node its own id",
            "pointer": "/nodes/2/id",
          },
        ]
      `);
    });

    it('reports duplicate edge ids', () => {
      const doc = flow([node('start', 'core/trigger'), node('a'), node('b')], [edge('start', 'a', 'out', 'e1'), edge('a', 'b', 'out', 'e1')]);
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "duplicate_edge_id",
            "message": "edge id "e1" is already used by /edges/0; give every edge its own id",
            "pointer": "/edges/1/id",
          },
        ]
      `);
    });

    it('reports a second edge from one output port, naming the first', () => {
      const doc = flow([node('start', 'core/trigger'), node('a'), node('b')], [edge('start', 'a'), edge('start', 'b')]);
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "port_already_connected",
            "message": "port "out" of node "start" already has edge "start-a" (/edges/0); a port leads to one node, so chain the nodes or add a core/branch",
            "pointer": "/edges/1/port",
          },
        ]
      `);
    });

    it('reports every violation at once, not just the first', () => {
      const doc = flow(
        [node('start', 'core/trigger'), node('a'), node('a'), node('b')],
        [edge('start', 'a', 'out', 'e1'), edge('start', 'b', 'out', 'e1'), edge('a', 'b', 'error'), edge('a', 'start', 'error')],
      );
      expect(issuesOf(doc).map((issue) => [issue.code, issue.pointer])).toEqual([
        ['duplicate_node_id', '/nodes/2/id'],
        ['duplicate_edge_id', '/edges/1/id'],
        ['port_already_connected', '/edges/1/port'],
        ['port_already_connected', '/edges/3/port'],
        ['flow_cycle_without_wait', '/edges/3'],
      ]);
    });
  });

  describe('F-05 trigger count', () => {
    it('reports a flow without a trigger', () => {
      expect(issuesOf(flow([node('a')], []))).toMatchInlineSnapshot(`
        [
          {
            "code": "missing_trigger",
            "message": "the flow has no core/trigger node; add one where conversations start and connect it to the first step",
            "pointer": "/nodes",
          },
        ]
      `);
    });

    it('reports each extra trigger', () => {
      const doc = flow([node('start', 'core/trigger'), node('again', 'core/trigger'), node('third', 'core/trigger')], []);
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "extra_trigger",
            "message": "a flow has exactly one core/trigger and "start" (/nodes/0) is already one; remove this node or change its type",
            "pointer": "/nodes/1",
          },
          {
            "code": "extra_trigger",
            "message": "a flow has exactly one core/trigger and "start" (/nodes/0) is already one; remove this node or change its type",
            "pointer": "/nodes/2",
          },
        ]
      `);
    });
  });

  describe('F-06 unknown types and plugins', () => {
    it('names the plugin that would provide an unknown type', () => {
      const doc = flow([node('start', 'core/trigger'), node('a', 'acme/unknown'), node('b', 'test/missing')], [edge('start', 'a')]);
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "unknown_node_type",
            "message": "unknown node type "acme/unknown": it would come from plugin "acme", which is not installed; install the plugin or remove the node",
            "pointer": "/nodes/1/type",
          },
          {
            "code": "unknown_node_type",
            "message": "unknown node type "test/missing": plugin "test" 1.4.0 has no such node type (it has test/step, test/branchy, test/billing); pick one of those or update the plugin",
            "pointer": "/nodes/2/type",
          },
        ]
      `);
    });

    it('refuses a type the registry no longer has, with no fallback', () => {
      const doc = flow([node('start', 'core/trigger'), node('a', 'test/branchy')], [edge('start', 'a')]);
      expect(issuesOf(doc)).toEqual([]);
      expect(issuesOf(doc, { registry: testRegistry({ without: ['test/branchy'] }) }).map((issue) => issue.code)).toEqual([
        'unknown_node_type',
      ]);
    });

    it('reports plugin ranges that are unmet, not installed or not ranges', () => {
      const doc = flow([node('start', 'core/trigger')], [], { plugins: { test: '^2.0.0', acme: '^1.0.0', other: 'latest and greatest' } });
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "plugin_version_unmet",
            "message": "plugin "test" 1.4.0 is installed, which does not satisfy "^2.0.0"; install a matching version or change the range",
            "pointer": "/plugins/test",
          },
          {
            "code": "plugin_not_installed",
            "message": "plugin "acme" is not installed; install a version matching "^1.0.0" or remove it from "plugins"",
            "pointer": "/plugins/acme",
          },
          {
            "code": "invalid_plugin_range",
            "message": ""latest and greatest" is not a semver range; write one like "^1.0.0"",
            "pointer": "/plugins/other",
          },
        ]
      `);
    });
  });

  describe('F-13 node config', () => {
    it('reports each config problem with its pointer and a human message', () => {
      const doc = flow(
        [
          node('start', 'core/trigger'),
          node('a', 'test/billing', { minCredits: 'five', provider: 42, color: 'red' }),
          node('b', 'test/billing', {}),
        ],
        [edge('start', 'a'), edge('a', 'b', 'ok', 'e2'), edge('a', 'b', 'insufficient', 'e3')],
      );
      expect(issuesOf(doc)).toMatchInlineSnapshot(`
        [
          {
            "code": "invalid_config",
            "message": "unknown property "color" (allowed: minCredits, provider)",
            "pointer": "/nodes/1/config/color",
          },
          {
            "code": "invalid_config",
            "message": "must be an integer",
            "pointer": "/nodes/1/config/minCredits",
          },
          {
            "code": "invalid_config",
            "message": "must be one of: "openai", "anthropic"",
            "pointer": "/nodes/1/config/provider",
          },
          {
            "code": "invalid_config",
            "message": "missing required property "minCredits"",
            "pointer": "/nodes/2/config",
          },
          {
            "code": "invalid_config",
            "message": "missing required property "provider"",
            "pointer": "/nodes/2/config",
          },
        ]
      `);
    });
  });

  it('checks templates in config values, skipping the raw keys of the type', () => {
    const checkTemplates = (value: unknown, pointer: string): ValidationIssue[] =>
      typeof value === 'string' && value.includes('{{') && !value.includes('}}')
        ? [{ code: 'template_invalid', pointer, message: 'unclosed {{ template; close it with }}' }]
        : [];
    const doc = flow(
      [node('start', 'core/trigger'), node('a', 'test/step', { text: 'Hi {{ vars.name', code: 'return "{{";' })],
      [edge('start', 'a')],
    );
    expect(issuesOf(doc, { checkTemplates })).toEqual([
      { code: 'template_invalid', pointer: '/nodes/1/config/text', message: 'unclosed {{ template; close it with }}' },
    ]);
  });

  it('F-07 refuses 50,000 nodes with one issue', () => {
    const nodes = Array.from({ length: 50_000 }, (_, i) => node(`n${i}`));
    expect(issuesOf(flow(nodes, []))).toEqual([
      {
        code: 'flow_too_large',
        pointer: '/nodes',
        message: 'too many nodes (max 5000); this flow has 50000, split the agent into several flows',
      },
    ]);
  });

  it('F-08 refuses a 10,000-deep config cleanly', () => {
    let config: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) config = { text: config };
    const issues = issuesOf(flow([node('start', 'core/trigger'), node('a', 'test/step', config)], [edge('start', 'a')]));
    expect(issues.map((issue) => issue.code)).toEqual(['nesting_too_deep']);
  });

  it('F-10 refuses dangerous ids before the graph checks see them', () => {
    for (const id of ['a.b', '#x', 'Loading...', 'a\\b', '', 'x'.repeat(10_000), 'a\u0000b', 'st\u0430rt']) {
      const issues = issuesOf(flow([node('start', 'core/trigger'), node(id)], [edge('start', id, 'out', 'e1')]));
      expect(issues.map((issue) => issue.pointer)).toEqual(['/nodes/1/id', '/edges/0/target']);
    }
  });

  it('checks 1,000 nodes with every rule in one pass', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => (i === 0 ? 'start' : `n${i}`));
    const nodes = ids.map((id, i) => node(id, i === 0 ? 'core/trigger' : i % 10 === 0 ? 'core/wait' : 'test/step'));
    const edges = ids.map((id, i) => edge(id, ids[(i + 1) % ids.length] as string));
    expect(issuesOf(flow(nodes, edges))).toEqual([]);
  });

  it('F-15 never throws on objects shaped almost like flows', () => {
    const id = fc.constantFrom('start', 'a', 'b', 'c', 'ghost');
    const almostNode = fc.record(
      {
        id,
        type: fc.constantFrom('core/trigger', 'core/wait', 'core/end', 'test/step', 'test/branchy', 'test/billing', 'acme/x'),
        position: fc.constant({ x: 0, y: 0 }),
        config: fc.oneof(fc.constant({}), fc.dictionary(fc.constantFrom('text', 'code', 'minCredits', 'provider'), fc.jsonValue())),
      },
      { requiredKeys: [] },
    );
    const almostEdge = fc.record(
      { id: fc.constantFrom('e1', 'e2', 'e3'), source: id, port: fc.constantFrom('out', 'yes', 'no', 'ok', 'error', 'nope'), target: id },
      { requiredKeys: [] },
    );
    const almostFlow = fc.record(
      {
        format: fc.constant('nexusflow/flow@1'),
        id: fc.constant('f'),
        name: fc.constant('F'),
        plugins: fc.dictionary(fc.constantFrom('test', 'acme'), fc.constantFrom('^1.0.0', '^2.0.0', 'nope')),
        nodes: fc.array(fc.oneof(almostNode, fc.jsonValue()), { maxLength: 6 }),
        edges: fc.array(fc.oneof(almostEdge, fc.jsonValue()), { maxLength: 8 }),
      },
      { requiredKeys: ['format', 'id', 'name'] },
    );
    fc.assert(
      fc.property(almostFlow, (doc) => {
        const result = checkFlow(doc, { registry });
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
      }),
      { seed: 0x5eed_f15, numRuns: 500 },
    );
  });
});
