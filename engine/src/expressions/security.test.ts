import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import semver from 'semver';
import { afterEach, describe, expect, it } from 'vitest';
import { NexusError } from '../errors.js';
import { compileTemplates } from './compile-templates.js';
import { evaluateExpression, type ExpressionScope } from './evaluate-expression.js';

const scope: ExpressionScope = { message: { text: 'hi' }, vars: { role: 'user' }, nodes: {}, contact: { id: 'c1' } };

const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
const functionPrototypeKeys = Object.getOwnPropertyNames(Function.prototype).sort();

/** The shapes of the public CVE-2024-27307 proof of concept (jsonata test suite and GHSA-fqg8-vfv7-8fj8). */
const POLLUTERS = [
  '{} ~> | __proto__ | {"is_admin": true} |',
  '{} ~> | constructor | {"is_admin": true} |',
  '{} ~> | constructor.prototype | {"is_admin": true} |',
  '{} ~> | __lookupGetter__("__proto__")() | {"is_admin": true} |',
  '$ ~> | ** | {"is_admin": true} |',
  'vars ~> | __proto__ | {"is_admin": true} |',
  '$$ ~> | $.constructor | {"prototype": {"is_admin": true}} |',
];

/** Resolves to the value, or to the NexusError it failed with; anything else fails the test. */
async function settle(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(NexusError);
    return error;
  }
}

afterEach(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(functionPrototypeKeys);
  expect(({} as { is_admin?: unknown }).is_admin).toBeUndefined();
});

describe('expression security (F-11)', () => {
  it('runs a JSONata release with the CVE-2024-27307 fix (>= 2.0.4)', () => {
    const manifest = createRequire(import.meta.url).resolve('jsonata/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    expect(semver.gte(version, '2.0.4'), `installed jsonata ${version}`).toBe(true);
  });

  it('leaves Object.prototype alone when an expression transforms __proto__ or constructor', async () => {
    const outcomes = [];
    for (const source of POLLUTERS) {
      const result = await settle(evaluateExpression(source, scope));
      outcomes.push(result instanceof NexusError ? result.message : result);
      expect(({} as { is_admin?: unknown }).is_admin, source).toBeUndefined();
    }
    // jsonata 2.2 reads own properties only, so the pattern matches nothing and the clone comes back.
    expect(outcomes).toMatchInlineSnapshot(`
      [
        {},
        {},
        {},
        "expression \`{} ~> | __lookupGetter__("__proto__")() | {"is_admin": true} |\` failed: Attempted to invoke a non-function at position 25 (T1006)",
        "expression \`$ ~> | ** | {"is_admin": true} |\` failed: Cannot create property 'is_admin' on string 'hi'",
        {
          "role": "user",
        },
        {
          "contact": {
            "id": "c1",
          },
          "message": {
            "text": "hi",
          },
          "nodes": {},
          "vars": {
            "role": "user",
          },
        },
      ]
    `);
  });

  it('leaves Object.prototype alone when a template holds the transform', async () => {
    const config = Object.fromEntries(POLLUTERS.map((source, index) => [`field${index}`, `{{ ${source} }}`]));
    const render = compileTemplates(config);
    await settle(render?.(scope) ?? Promise.resolve());
    const mixed = compileTemplates({ text: `user {{ ${POLLUTERS[0] as string} }}` });
    await settle(mixed?.(scope) ?? Promise.resolve());
  });

  it('returns plain objects whatever an expression does with __proto__', async () => {
    const sources = [
      '$merge([{"a": 1}, {"__proto__": {"is_admin": true}}])',
      '{"__proto__": {"is_admin": true}}',
      'vars ~> | $ | {"__proto__": {"is_admin": true}} |',
    ];
    for (const source of sources) {
      const result = (await evaluateExpression(source, scope)) as object;
      expect(Object.getPrototypeOf(result), source).toBe(Object.prototype);
      expect((result as { is_admin?: unknown }).is_admin, source).toBeUndefined();
    }
  });

  it('offers no way from an expression to process, require or host constructors', async () => {
    // JSONata has no JavaScript escape hatch: $eval parses JSONata, not JavaScript, and path
    // lookups read own properties only (2.2), so constructor and __proto__ are not reachable.
    const probes = [
      '$$.constructor',
      '$.__proto__',
      'message.constructor.constructor("return process")()',
      '$lookup($$, "constructor")',
      '$lookup(message, "__proto__")',
      '$process',
      '$require("child_process")',
      '$eval("$require")',
      '$eval("process.env")',
      '$string($$.constructor)',
      '$type($$.constructor)',
      '$keys(message)',
      '$sift($$, function($v, $k){ $k = "constructor" })',
      '$nexus',
      '$each($$, function($v, $k){ $k })',
    ];
    const results = [];
    for (const source of probes) {
      const outcome = await settle(evaluateExpression(source, scope));
      results.push([source, outcome instanceof NexusError ? outcome.code : outcome]);
    }
    expect(results).toMatchInlineSnapshot(`
      [
        [
          "$$.constructor",
          undefined,
        ],
        [
          "$.__proto__",
          undefined,
        ],
        [
          "message.constructor.constructor("return process")()",
          undefined,
        ],
        [
          "$lookup($$, "constructor")",
          undefined,
        ],
        [
          "$lookup(message, "__proto__")",
          undefined,
        ],
        [
          "$process",
          undefined,
        ],
        [
          "$require("child_process")",
          "expression_failed",
        ],
        [
          "$eval("$require")",
          undefined,
        ],
        [
          "$eval("process.env")",
          undefined,
        ],
        [
          "$string($$.constructor)",
          undefined,
        ],
        [
          "$type($$.constructor)",
          undefined,
        ],
        [
          "$keys(message)",
          "text",
        ],
        [
          "$sift($$, function($v, $k){ $k = "constructor" })",
          undefined,
        ],
        [
          "$nexus",
          undefined,
        ],
        [
          "$each($$, function($v, $k){ $k })",
          [
            "message",
            "vars",
            "nodes",
            "contact",
          ],
        ],
      ]
    `);
  });
});
