export { FlowEditor } from './FlowEditor.js';
export type { FlowEditorProps } from './FlowEditor.js';
export type { PlacedProblem } from './problems.js';
