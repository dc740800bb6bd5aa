export { FLOW_FORMAT, SUPPORTED_FLOW_FORMATS, NODE_ID_PATTERN } from './types/flow.js';
export type { FlowDocument, FlowEdge, FlowNode, FlowPosition } from './types/flow.js';
export { CAPABILITIES } from './types/plugin.js';
export type { CapabilityName, JsonSchema, NodeLimits, NodeManifest, PluginManifest } from './types/plugin.js';
export type { ValidationIssue, Validated } from './types/issues.js';
