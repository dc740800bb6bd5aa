import type { ValidationIssue, Validated } from '../types/issues.js';
import { PLUGIN_NAME_PATTERN } from '../types/flow.js';
import type { JsonSchema, PluginManifest } from '../types/plugin.js';
import { pluginSchemaValidator } from './compiled-schemas.js';
import { findConfigSchemaProblem } from './config-validator.js';
import { formatSchemaErrors } from './format-errors.js';
import { prescanJson } from './prescan.js';
import { checkConfigSchemaSafety } from './schema-safety.js';

/** Options of `validatePluginManifest`. */
export interface ManifestValidationOptions {
  /** Only the built-in plugin may use the reserved `core` name. */
  allowCorePlugin?: boolean;
}

/** The built-in plugin's name; its node types are `core/*`. */
export const CORE_PLUGIN_NAME = 'core';

type Entries = { index: number; node: Record<string, unknown> }[];

/** Matches `maxItems` of `nodes` in plugin.schema.json; more is refused by the schema unread. */
const MAX_PLUGIN_NODES = 200;
const PLUGIN_NAME = new RegExp(PLUGIN_NAME_PATTERN);

/**
 * Checks a plugin manifest (`plugin.json`): its shape against the manifest schema, then each node
 * type's config schema as untrusted input (see `checkConfigSchemaSafety`) and whether it
 * compiles, then that node types start with `<plugin name>/`, appear once, and that the
 * plugin does not claim the reserved name `core`. Every problem is reported.
 *
 * @example
 * const result = validatePluginManifest(JSON.parse(await readFile('plugin.json', 'utf8')));
 * if (!result.ok) console.error(result.issues);
 * // [{ code: 'node_type_prefix', pointer: '/nodes/0/type', message: 'node type "other/x" must start with "acme/" ...' }]
 */
export function validatePluginManifest(manifest: unknown, options: ManifestValidationOptions = {}): Validated<PluginManifest> {
  const nodes = nodeEntries(manifest);
  const configIssues: ValidationIssue[] = [];
  const safeConfigs: { index: number; config: JsonSchema }[] = [];
  const configs = new Set<unknown>();
  for (const { index, node } of nodes) {
    const config = node.config;
    if (!isObject(config)) continue;
    configs.add(config);
    const unsafe = checkConfigSchemaSafety(config, `/nodes/${index}/config`);
    if (unsafe.length === 0) safeConfigs.push({ index, config });
    configIssues.push(...unsafe);
  }
  // Config schemas were just scanned with their own, tighter limits.
  const scanned = prescanJson(manifest, { skip: configs });
  const validate = pluginSchemaValidator();
  const schemaIssues = validate(manifest) ? [] : formatSchemaErrors(validate.errors ?? []);
  const reported = new Set([...scanned, ...configIssues].map((issue) => issue.pointer));
  const issues = [
    ...scanned,
    ...schemaIssues.filter((issue) => !reported.has(issue.pointer)),
    ...checkName(manifest, options),
    ...checkAnyHost(manifest, nodes),
    ...checkNodeTypes(manifest, nodes),
    ...configIssues,
  ];
  for (const { index, config } of safeConfigs) {
    const problem = findConfigSchemaProblem(config);
    if (problem !== undefined) {
      issues.push({
        code: 'invalid_config_schema',
        pointer: `/nodes/${index}/config`,
        message: `the config is not a JSON Schema this engine can compile: ${problem}`,
      });
    }
  }
  return issues.length === 0 ? { ok: true, value: manifest as PluginManifest } : { ok: false, issues };
}

function checkName(manifest: unknown, options: ManifestValidationOptions): ValidationIssue[] {
  if (!isObject(manifest) || manifest.name !== CORE_PLUGIN_NAME || options.allowCorePlugin === true) return [];
  return [
    {
      code: 'reserved_plugin_name',
      pointer: '/name',
      message: `"${CORE_PLUGIN_NAME}" is reserved for the built-in plugin; choose another name (and use it as the prefix of your node types)`,
    },
  ];
}

/** `http:*` lets a node reach the hosts its own config lists; only the built-in core/http may declare it. */
export const ANY_HTTP_HOST = 'http:*';

function checkAnyHost(manifest: unknown, nodes: Entries): ValidationIssue[] {
  // A plugin named core is either trusted or already refused by its name.
  if (isObject(manifest) && manifest.name === CORE_PLUGIN_NAME) return [];
  const issues: ValidationIssue[] = [];
  for (const { index, node } of nodes) {
    const capabilities = Array.isArray(node.capabilities) ? node.capabilities : [];
    const at = capabilities.indexOf(ANY_HTTP_HOST);
    if (at < 0) continue;
    issues.push({
      code: 'reserved_capability',
      pointer: `/nodes/${index}/capabilities/${at}`,
      message: `"${ANY_HTTP_HOST}" (any host) is reserved for the built-in core/http node; list each host instead, e.g. "http:api.example.com"`,
    });
  }
  return issues;
}

function checkNodeTypes(manifest: unknown, nodes: Entries): ValidationIssue[] {
  const name = isObject(manifest) ? manifest.name : undefined;
  const issues: ValidationIssue[] = [];
  const firstIndex = new Map<string, number>();
  for (const { index, node } of nodes) {
    const type = node.type;
    if (typeof type !== 'string') continue;
    const pointer = `/nodes/${index}/type`;
    if (typeof name === 'string' && PLUGIN_NAME.test(name) && !type.startsWith(`${name}/`)) {
      issues.push({
        code: 'node_type_prefix',
        pointer,
        message: `node type "${type}" must start with "${name}/", the plugin's name, e.g. "${name}/${type.split('/').at(-1) ?? 'node'}"`,
      });
    }
    const first = firstIndex.get(type);
    if (first === undefined) firstIndex.set(type, index);
    else {
      issues.push({
        code: 'duplicate_node_type',
        pointer,
        message: `node type "${type}" is already declared at /nodes/${first}; declare each node type once`,
      });
    }
  }
  return issues;
}

function nodeEntries(manifest: unknown): Entries {
  const nodes = isObject(manifest) ? manifest.nodes : undefined;
  if (!Array.isArray(nodes)) return [];
  const entries: Entries = [];
  nodes.slice(0, MAX_PLUGIN_NODES).forEach((node: unknown, index) => {
    if (isObject(node)) entries.push({ index, node });
  });
  return entries;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
