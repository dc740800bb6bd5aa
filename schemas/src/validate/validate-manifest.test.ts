import { afterEach, describe, expect, it } from 'vitest';
import acmeManifest from '../../../examples/plugins/acme/plugin.json' with { type: 'json' };
import coreManifest from '../../../nodes/plugin.json' with { type: 'json' };
import pluginSchema from '../json/plugin.schema.json' with { type: 'json' };
import { CAPABILITIES, type CapabilityName, type JsonSchema, type NodeManifest, type PluginManifest } from '../types/plugin.js';
import { compileConfigValidator } from './config-validator.js';
import { shortenPointer } from './describe.js';
import { validatePluginManifest } from './validate-manifest.js';

function nodeType(overrides: Partial<NodeManifest> = {}): NodeManifest {
  return {
    type: 'acme/step',
    title: 'Step',
    ports: ['out'],
    config: { type: 'object', properties: {} },
    capabilities: [],
    ...overrides,
  };
}

function manifest(overrides: Record<string, unknown> = {}): PluginManifest {
  return { name: 'acme', version: '1.2.3', main: 'dist/index.js', nodes: [nodeType()], ...overrides } as PluginManifest;
}

function issuesOf(value: unknown, options?: { allowCorePlugin?: boolean }) {
  const result = validatePluginManifest(value, options);
  return result.ok ? [] : result.issues;
}

/** `{ type: 'object', properties: { a: { ... } } }` `depth` times, built in a bounded loop. */
function deepSchema(depth: number): JsonSchema {
  const root: JsonSchema = { type: 'object' };
  let at = root;
  for (let i = 0; i < depth; i++) {
    const next: JsonSchema = { type: 'object' };
    at.properties = { a: next };
    at = next;
  }
  return root;
}

describe('validatePluginManifest', () => {
  it('accepts the example plugin and the built-in plugin', () => {
    expect(validatePluginManifest(acmeManifest)).toEqual({ ok: true, value: acmeManifest });
    expect(validatePluginManifest(coreManifest, { allowCorePlugin: true }).ok).toBe(true);
  });

  it('reserves the name "core" for the built-in plugin', () => {
    expect(issuesOf(coreManifest)).toMatchInlineSnapshot(`
      [
        {
          "code": "reserved_plugin_name",
          "message": ""core" is reserved for the built-in plugin; choose another name (and use it as the prefix of your node types)",
          "pointer": "/name",
        },
      ]
    `);
  });

  it('keeps the capability list of the JSON Schema in step with CAPABILITIES', () => {
    expect(pluginSchema.$defs.node.properties.capabilities.items.anyOf[0]?.enum).toEqual([...CAPABILITIES]);
  });

  it('reports every shape problem with its pointer', () => {
    const value = manifest({
      name: 'Acme',
      version: '1.0',
      main: '../outside.js',
      extra: true,
      nodes: [
        nodeType({ ports: ['out', 'error', 'out'], capabilities: ['llm', 'fs', 'http:api.example.com', 'http:Bad Host'] as CapabilityName[] }),
        nodeType({ type: 'acme/other', ports: [], limits: { timeoutMs: 0, memoryMb: 4096 }, config: 'none' as unknown as JsonSchema }),
      ],
    });
    expect(issuesOf(value)).toMatchInlineSnapshot(`
      [
        {
          "code": "schema",
          "message": "unknown property "extra" (allowed: name, version, description, engine, main, nodes)",
          "pointer": "/extra",
        },
        {
          "code": "schema",
          "message": ""Acme" is not a plugin name: use 1 to 64 lowercase letters, digits and "-", starting with a letter",
          "pointer": "/name",
        },
        {
          "code": "schema",
          "message": ""1.0" is not a semver version such as "1.2.3"",
          "pointer": "/version",
        },
        {
          "code": "schema",
          "message": ""../outside.js" is not a bundle path: give the .js file relative to the plugin folder, like "dist/index.js", without "..", "./" or a leading "/"",
          "pointer": "/main",
        },
        {
          "code": "schema",
          "message": ""error" is the implicit port every node has; do not list it, throw from run() to use it",
          "pointer": "/nodes/0/ports/1",
        },
        {
          "code": "schema",
          "message": "lists a port twice; each port is listed once",
          "pointer": "/nodes/0/ports/2",
        },
        {
          "code": "schema",
          "message": ""fs" is not a capability: use llm, memory, billing, channel, kv, deploy, secrets, or http:<host>[:port] with a lowercase host name such as http:api.example.com",
          "pointer": "/nodes/0/capabilities/1",
        },
        {
          "code": "schema",
          "message": ""http:Bad Host" is not a capability: use llm, memory, billing, channel, kv, deploy, secrets, or http:<host>[:port] with a lowercase host name such as http:api.example.com",
          "pointer": "/nodes/0/capabilities/3",
        },
        {
          "code": "schema",
          "message": "must list at least one output port",
          "pointer": "/nodes/1/ports",
        },
        {
          "code": "schema",
          "message": "must be an object",
          "pointer": "/nodes/1/config",
        },
        {
          "code": "schema",
          "message": "must be at least 1",
          "pointer": "/nodes/1/limits/timeoutMs",
        },
        {
          "code": "schema",
          "message": "must be at most 512",
          "pointer": "/nodes/1/limits/memoryMb",
        },
      ]
    `);
  });

  it.each(['/abs/index.js', '../x.js', 'dist/../../x.js', './dist/index.js', 'dist\\index.js', 'C:/x.js', 'dist/index.ts', '..'])(
    'refuses main %s',
    (main) => {
      expect(issuesOf(manifest({ main })).map((issue) => issue.pointer)).toEqual(['/main']);
    },
  );

  it.each(['dist/index.js', 'index.mjs', 'build/v1.2/plugin.cjs', '.hidden/x.js'])('accepts main %s', (main) => {
    expect(issuesOf(manifest({ main }))).toEqual([]);
  });

  it('requires node types to start with the plugin name, once each', () => {
    const nodes = [nodeType({ type: 'other/step' }), nodeType(), nodeType()];
    expect(issuesOf(manifest({ nodes }))).toMatchInlineSnapshot(`
      [
        {
          "code": "node_type_prefix",
          "message": "node type "other/step" must start with "acme/", the plugin's name, e.g. "acme/step"",
          "pointer": "/nodes/0/type",
        },
        {
          "code": "duplicate_node_type",
          "message": "node type "acme/step" is already declared at /nodes/1; declare each node type once",
          "pointer": "/nodes/2/type",
        },
      ]
    `);
  });

  it('reports a config schema ajv cannot compile, without throwing', () => {
    const nodes = [
      nodeType({ config: { type: 'object', properties: { a: { type: 'strnig' } } } }),
      nodeType({ type: 'acme/b', config: { type: 'object', properties: { a: { type: 'string', format: 'color' } } } }),
      nodeType({ type: 'acme/c', config: { type: 'object', $ref: '#/$defs/missing' } }),
    ];
    expect(issuesOf(manifest({ nodes })).map((issue) => [issue.code, issue.pointer])).toEqual([
      ['invalid_config_schema', '/nodes/0/config'],
      ['invalid_config_schema', '/nodes/1/config'],
      ['invalid_config_schema', '/nodes/2/config'],
    ]);
  });

  describe('F-14 hostile config schemas', () => {
    const realFetch = globalThis.fetch;
    let fetches = 0;
    afterEach(() => {
      globalThis.fetch = realFetch;
    });
    const countFetches = () => {
      fetches = 0;
      globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
        fetches++;
        return realFetch(...args);
      }) as typeof fetch;
    };

    it('refuses a schema 5,000 levels deep before compiling it', () => {
      const issues = issuesOf(manifest({ nodes: [nodeType({ config: deepSchema(5_000) })] }));
      const pointer = `/nodes/0/config${'/properties/a'.repeat(16)}/type`;
      expect(issues).toEqual([
        {
          code: 'nesting_too_deep',
          pointer,
          message: `nesting deeper than 32 levels at ${shortenPointer(pointer)}; flatten this value (or store deep data as a JSON string)`,
        },
      ]);
    });

    it('refuses catastrophic patterns in pattern and patternProperties', () => {
      const config = {
        type: 'object',
        properties: { name: { type: 'string', pattern: '(a+)+$' }, tag: { type: 'string', pattern: '(a|a)*' } },
        patternProperties: { '^(x*)*$': { type: 'string' } },
      };
      expect(issuesOf(manifest({ nodes: [nodeType({ config })] }))).toMatchInlineSnapshot(`
        [
          {
            "code": "unsafe_config_schema",
            "message": "patternProperties key "^(x*)*$" is refused: it repeats a group that itself contains a repetition (like (a+)+), which can take exponential time; rewrite it without nested quantifiers",
            "pointer": "/nodes/0/config/patternProperties/^(x*)*$",
          },
          {
            "code": "unsafe_config_schema",
            "message": "pattern "(a+)+$" is refused: it repeats a group that itself contains a repetition (like (a+)+), which can take exponential time; rewrite it without nested quantifiers",
            "pointer": "/nodes/0/config/properties/name/pattern",
          },
          {
            "code": "unsafe_config_schema",
            "message": "pattern "(a|a)*" is refused: it repeats alternatives that can match the same text (like (a|a)*), which can take exponential time; make each alternative start with a different character",
            "pointer": "/nodes/0/config/properties/tag/pattern",
          },
        ]
      `);
    });

    it('refuses a remote $ref and never fetches it', () => {
      countFetches();
      const config = {
        type: 'object',
        properties: { a: { $ref: 'https://evil.example/schema.json' }, b: { $ref: '#/$defs/b' } },
        $defs: { b: { type: 'string' } },
      };
      expect(issuesOf(manifest({ nodes: [nodeType({ config })] }))).toMatchInlineSnapshot(`
        [
          {
            "code": "unsafe_config_schema",
            "message": "$ref "https://evil.example/schema.json" points outside this schema; only local references such as "#/$defs/name" are allowed, remote schemas are never fetched",
            "pointer": "/nodes/0/config/properties/a/$ref",
          },
        ]
      `);
      expect(compileConfigValidator(config)({}, '/nodes/0/config')).toMatchInlineSnapshot(`
        [
          {
            "code": "unusable_config_schema",
            "message": "this node type's config schema cannot be used (at /properties/a/$ref: $ref "https://evil.example/schema.json" points outside this schema; only local references such as "#/$defs/name" are allowed, remote schemas are never fetched); the plugin must fix its manifest",
            "pointer": "/nodes/0/config",
          },
        ]
      `);
      expect(fetches).toBe(0);
    });

    it('refuses a 1 MB enum', () => {
      const values = Array.from({ length: 100_000 }, (_, i) => `value-${i}`);
      const config = { type: 'object', properties: { pick: { type: 'string', enum: values } } };
      expect(JSON.stringify(config).length).toBeGreaterThan(1_000_000);
      expect(issuesOf(manifest({ nodes: [nodeType({ config })] }))).toMatchInlineSnapshot(`
        [
          {
            "code": "unsafe_config_schema",
            "message": "enum lists 100000 values (max 1000); use a pattern, or check the value in the plugin's code",
            "pointer": "/nodes/0/config/properties/pick/enum",
          },
          {
            "code": "unsafe_config_schema",
            "message": "the config schema is larger than 64 KiB (65536 characters of compact JSON); keep it small and move long lists into the plugin's code",
            "pointer": "/nodes/0/config",
          },
        ]
      `);
    });

    it('refuses $data', () => {
      const config = {
        type: 'object',
        properties: { min: { type: 'integer' }, max: { type: 'integer', minimum: { $data: '1/min' } } },
      };
      expect(issuesOf(manifest({ nodes: [nodeType({ config })] }))).toMatchInlineSnapshot(`
        [
          {
            "code": "unsafe_config_schema",
            "message": ""$data" references are not supported in config schemas; use fixed values",
            "pointer": "/nodes/0/config/properties/max/minimum/$data",
          },
        ]
      `);
    });

    it('refuses $id, which could collide between plugins, and other drafts', () => {
      const config = { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://acme.example/config', type: 'object' };
      expect(issuesOf(manifest({ nodes: [nodeType({ config })] }))).toMatchInlineSnapshot(`
        [
          {
            "code": "unsafe_config_schema",
            "message": "this engine reads JSON Schema 2020-12; set "$schema" to "https://json-schema.org/draft/2020-12/schema" or remove it",
            "pointer": "/nodes/0/config/$schema",
          },
          {
            "code": "unsafe_config_schema",
            "message": "config schemas share one validator, so they may not declare "$id"; remove it and refer to parts of the schema with "#/$defs/name"",
            "pointer": "/nodes/0/config/$id",
          },
        ]
      `);
    });

    it('treats keyword-like keys inside enum, const and default as data', () => {
      const config = {
        type: 'object',
        properties: { a: { type: 'object', default: { $ref: 'https://x', pattern: '(a+)+' }, const: { $data: 1 } } },
      };
      expect(issuesOf(manifest({ nodes: [nodeType({ config })] }))).toEqual([]);
    });

    it('gives the registry a validator that reports an unusable schema instead of throwing', () => {
      const validate = compileConfigValidator(deepSchema(5_000));
      expect(validate({ a: 1 }, '/nodes/3/config')).toMatchInlineSnapshot(`
        [
          {
            "code": "unusable_config_schema",
            "message": "this node type's config schema cannot be used (nesting deeper than 32 levels at /properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/…/a/properties/a/properties/a/properties/a/properties/a/properties/a/type; flatten this value (or store deep data as a JSON string)); the plugin must fix its manifest",
            "pointer": "/nodes/3/config",
          },
        ]
      `);
    });
  });
});

describe('the http:* capability', () => {
  const manifest = (name: string) => ({
    name,
    version: '1.0.0',
    main: 'index.js',
    nodes: [{ type: `${name}/get`, title: 'Get', ports: ['out'], capabilities: ['http:*'], config: { type: 'object' } }],
  });

  it('is refused for any plugin but the trusted core plugin', () => {
    expect(validatePluginManifest(manifest('acme'))).toEqual({
      ok: false,
      issues: [
        {
          code: 'reserved_capability',
          pointer: '/nodes/0/capabilities/0',
          message: '"http:*" (any host) is reserved for the built-in core/http node; list each host instead, e.g. "http:api.example.com"',
        },
      ],
    });
    expect(validatePluginManifest(manifest('core'), { allowCorePlugin: true }).ok).toBe(true);
  });
});
