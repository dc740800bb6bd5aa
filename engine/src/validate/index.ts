export { checkFlow } from './check-flow.js';
export type { FlowCheckOptions } from './check-flow.js';
export { findCycles } from './find-cycles.js';
export type { FlowCycle } from './find-cycles.js';
