import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '@nexusflow/schemas';
import { availableVariables, upstreamOf } from './available-variables.js';

const doc: FlowDocument = {
  format: 'nexusflow/flow@1',
  id: 'f',
  name: 'F',
  variables: { persona: 'kind' },
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    { id: 'ask', type: 'core/set', position: { x: 0, y: 0 }, config: { vars: { email: '{{ message.text }}' } } },
    { id: 'answer', type: 'core/llm', position: { x: 0, y: 0 }, config: {} },
    { id: 'wait-1', type: 'core/wait', position: { x: 0, y: 0 }, config: {} },
    { id: 'aside', type: 'core/reply', position: { x: 0, y: 0 }, config: { text: 'x' } },
  ],
  edges: [
    { id: 'e1', source: 'start', port: 'out', target: 'ask' },
    { id: 'e2', source: 'ask', port: 'out', target: 'answer' },
    { id: 'e3', source: 'answer', port: 'out', target: 'wait-1' },
    { id: 'e4', source: 'wait-1', port: 'out', target: 'answer' },
  ],
};

describe('availableVariables', () => {
  it('lists the message, the contact, every variable and the outputs of upstream nodes', () => {
    expect(availableVariables(doc, 'answer').map((v) => v.expression)).toEqual([
      'message.text',
      'contact.id',
      'vars.email',
      'vars.persona',
      'nodes.ask.output',
      'nodes.`wait-1`.output',
      'nodes.start.output',
    ]);
  });

  it('finds upstream nodes through cycles, nearest first, and never a node off the path', () => {
    expect(upstreamOf(doc, 'answer')).toEqual(['ask', 'wait-1', 'start', 'answer']);
    expect(upstreamOf(doc, 'aside')).toEqual([]);
    expect(availableVariables(doc, 'aside').some((v) => v.expression.startsWith('nodes.'))).toBe(false);
  });
});
