export { TestChatPanel } from './TestChatPanel.js';
export type { TestChatPanelProps } from './TestChatPanel.js';
export { applyTrace, EMPTY_TRACE } from './trace-state.js';
export type { NodeRun, TraceEventLike, TraceState } from './trace-state.js';
