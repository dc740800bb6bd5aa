import { FLOW_FORMAT, MAX_FLOW_EDGES, MAX_FLOW_NODES, SUPPORTED_FLOW_FORMATS, type FlowDocument } from '../types/flow.js';
import type { ValidationIssue, Validated } from '../types/issues.js';
import { flowSchemaValidator } from './compiled-schemas.js';
import { describeValue } from './describe.js';
import { formatSchemaErrors } from './format-errors.js';
import { prescanJson } from './prescan.js';

/**
 * Checks the shape of a flow document: limits, nesting, reserved keys and JSON-ness (without
 * recursion), the `format`, then the `nexusflow/flow@1` JSON Schema. Every problem is reported,
 * each with a JSON pointer and a sentence. The graph itself (ids, edges, cycles, node types) is
 * checked by the engine's `checkFlow`.
 *
 * @example
 * const result = validateFlowDocument(JSON.parse(text));
 * if (!result.ok) {
 *   for (const issue of result.issues) console.log(`${issue.pointer}: ${issue.message}`);
 *   // /nodes/2/id: "a.b" is not a valid id: use 1 to 64 ASCII letters, digits, "_" or "-" ...
 * }
 */
export function validateFlowDocument(doc: unknown): Validated<FlowDocument> {
  if (!isObject(doc)) {
    return { ok: false, issues: [{ code: 'schema', pointer: '', message: `must be an object: a ${FLOW_FORMAT} document` }] };
  }
  // Over-limit documents are refused before anything walks their 50,000 nodes.
  const oversized = checkFlowSize(doc);
  if (oversized.length > 0) return { ok: false, issues: oversized };

  const scanned = prescanJson(doc);
  const format = checkFormat(doc);
  if (format.length > 0) return { ok: false, issues: [...scanned, ...format] };

  // Safe even after a failed pre-scan: the schema never descends into the free-form parts
  // (variables, config, meta) where deep or odd values can hide.
  const validate = flowSchemaValidator();
  const schemaIssues = validate(doc) ? [] : formatSchemaErrors(validate.errors ?? []);
  const scannedAt = new Set(scanned.map((issue) => issue.pointer));
  const issues = [...scanned, ...schemaIssues.filter((issue) => !scannedAt.has(issue.pointer))];
  return issues.length === 0 ? { ok: true, value: doc as unknown as FlowDocument } : { ok: false, issues };
}

function checkFlowSize(doc: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (Array.isArray(doc.nodes) && doc.nodes.length > MAX_FLOW_NODES) {
    issues.push({
      code: 'flow_too_large',
      pointer: '/nodes',
      message: `too many nodes (max ${MAX_FLOW_NODES}); this flow has ${doc.nodes.length}, split the agent into several flows`,
    });
  }
  if (Array.isArray(doc.edges) && doc.edges.length > MAX_FLOW_EDGES) {
    issues.push({
      code: 'flow_too_large',
      pointer: '/edges',
      message: `too many edges (max ${MAX_FLOW_EDGES}); this flow has ${doc.edges.length}, split the agent into several flows`,
    });
  }
  return issues;
}

function checkFormat(doc: Record<string, unknown>): ValidationIssue[] {
  const understood = SUPPORTED_FLOW_FORMATS.join(', ');
  if (!Object.hasOwn(doc, 'format')) {
    return [{ code: 'unsupported_format', pointer: '', message: `missing "format"; this version understands: ${understood}` }];
  }
  if (typeof doc.format !== 'string' || !SUPPORTED_FLOW_FORMATS.includes(doc.format)) {
    return [
      {
        code: 'unsupported_format',
        pointer: '/format',
        message: `unknown format ${describeValue(doc.format)}; this version understands: ${understood}`,
      },
    ];
  }
  return [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
