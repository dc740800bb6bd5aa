export {
  FLOW_FORMAT,
  SUPPORTED_FLOW_FORMATS,
  NODE_ID_PATTERN,
  NODE_TYPE_PATTERN,
  PORT_NAME_PATTERN,
  PLUGIN_NAME_PATTERN,
  MAX_FLOW_NODES,
  MAX_FLOW_EDGES,
  MAX_NESTING_DEPTH,
  RESERVED_KEYS,
} from './types/flow.js';
export type { FlowDocument, FlowEdge, FlowNode, FlowPosition } from './types/flow.js';
export { CAPABILITIES } from './types/plugin.js';
export type { CapabilityName, JsonSchema, NodeLimits, NodeManifest, PluginManifest } from './types/plugin.js';
export type { ValidationIssue, Validated } from './types/issues.js';

export { validateFlowDocument } from './validate/validate-flow.js';
export { validatePluginManifest, CORE_PLUGIN_NAME, ANY_HTTP_HOST } from './validate/validate-manifest.js';
export type { ManifestValidationOptions } from './validate/validate-manifest.js';
export { compileConfigValidator, CONFIG_SCHEMA_KEYWORDS } from './validate/config-validator.js';
export type { ConfigValidator } from './validate/config-validator.js';
export { formatSchemaErrors, MESSAGES_KEYWORD } from './validate/format-errors.js';
export { prescanJson } from './validate/prescan.js';
export { appendPointer, escapePointerSegment } from './validate/json-pointer.js';
export type { PrescanOptions } from './validate/prescan.js';
export {
  checkConfigSchemaSafety,
  MAX_CONFIG_SCHEMA_DEPTH,
  MAX_CONFIG_SCHEMA_CHARS,
  MAX_ENUM_VALUES,
} from './validate/schema-safety.js';
export { findRegexHazard, MAX_PATTERN_LENGTH } from './validate/regex-safety.js';
export { serializeFlow } from './serialize/serialize-flow.js';
export { FlowSerializationError } from './errors.js';
export type { FlowSerializationErrorCode } from './errors.js';
export { API_BODY_SCHEMAS } from './api/bodies.js';
export type { ApiBodyName } from './api/bodies.js';
