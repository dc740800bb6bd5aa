import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '@nexusflow/schemas';
import { availableVariables, upstreamOf } from './available-variables.js';

type NodeSpec = [id: string, type: string, config?: Record<string, unknown>];
type EdgeSpec = [source: string, target: string, port?: string];

/** A tiny flow: only what a test is about. */
function flow(nodes: NodeSpec[], edges: EdgeSpec[], variables?: Record<string, unknown>): FlowDocument {
  return {
    format: 'nexusflow/flow@1',
    id: 'f',
    name: 'F',
    ...(variables === undefined ? {} : { variables }),
    nodes: nodes.map(([id, type, config = {}]) => ({ id, type, position: { x: 0, y: 0 }, config })),
    edges: edges.map(([source, target, port = 'out'], i) => ({ id: `e${i}`, source, port, target })),
  };
}

const expressions = (doc: FlowDocument, nodeId: string) => availableVariables(doc, nodeId).map((v) => v.expression);
const ALWAYS = ['message.text', 'message.payload', 'contact.id', 'contact.channel'];

// The example of DESIGN.md: start -> credits -> answer -> next (wait) -> credits, credits -> broke.
const support = flow(
  [
    ['start', 'core/trigger'],
    ['credits', 'core/billing-check', { minCredits: 5 }],
    ['answer', 'core/llm', { model: 'gpt-4o-mini', system: '{{ vars.persona }}' }],
    ['broke', 'core/reply', { text: 'You are out of credits.' }],
    ['next', 'core/wait'],
  ],
  [
    ['start', 'credits'],
    ['credits', 'answer', 'ok'],
    ['credits', 'broke', 'insufficient'],
    ['answer', 'next'],
    ['next', 'credits'],
  ],
  { persona: 'You are a friendly support agent.' },
);

describe('upstreamOf', () => {
  it('follows edges backwards, nearest first', () => {
    const line = flow([['start', 'core/trigger'], ['ask', 'core/set'], ['say', 'core/reply']], [['start', 'ask'], ['ask', 'say']]);
    expect(upstreamOf(line, 'say')).toEqual(['ask', 'start']);
    expect(upstreamOf(line, 'start')).toEqual([]);
  });

  it('includes the node itself only when it sits on a cycle', () => {
    expect(upstreamOf(support, 'answer')).toEqual(['credits', 'start', 'next', 'answer']);
    expect(upstreamOf(support, 'broke')).toEqual(['credits', 'start', 'next', 'answer']);
  });

  it('visits each node once however many paths lead from it', () => {
    const diamond = flow(
      [['a', 'core/trigger'], ['b', 'core/branch'], ['c', 'core/reply'], ['d', 'core/reply'], ['e', 'core/reply']],
      [['a', 'b'], ['b', 'c', 'yes'], ['b', 'd', 'else'], ['c', 'e'], ['d', 'e']],
    );
    expect(upstreamOf(diamond, 'e')).toEqual(['c', 'd', 'b', 'a']);
  });

  it('answers nothing for a node with no way in or an id the flow does not have', () => {
    expect(upstreamOf(support, 'nope')).toEqual([]);
  });
});

describe('availableVariables', () => {
  it('lists the message, the contact, the variables and the upstream outputs, in that order', () => {
    expect(expressions(support, 'broke')).toEqual([
      ...ALWAYS,
      'vars.persona',
      'nodes.credits.output',
      'nodes.next.output.message.text',
      'nodes.answer.output',
    ]);
  });

  it('offers the message and contact even at a node nothing leads to', () => {
    const lone = flow([['start', 'core/trigger'], ['aside', 'core/reply']], []);
    expect(expressions(lone, 'aside')).toEqual(ALWAYS);
    expect(expressions(lone, 'missing')).toEqual(ALWAYS);
  });

  it('never offers the output of a node downstream or on another path', () => {
    const found = expressions(support, 'answer');
    expect(found).toContain('nodes.credits.output');
    expect(found).not.toContain('nodes.broke.output');
  });

  it("offers a node's own output only when a cycle brings the flow back to it", () => {
    expect(expressions(support, 'answer')).toContain('nodes.answer.output');
    const line = flow([['start', 'core/trigger'], ['say', 'core/reply']], [['start', 'say']]);
    expect(expressions(line, 'say')).not.toContain('nodes.say.output');
  });

  it('leaves out the trigger, which stores no output', () => {
    expect(expressions(support, 'credits').filter((e) => e.startsWith('nodes.start'))).toEqual([]);
  });

  it('reads what a person answered at a wait and which condition a branch took', () => {
    const doc = flow(
      [['start', 'core/trigger'], ['ask', 'core/wait'], ['route', 'core/branch', { conditions: [] }], ['say', 'core/reply']],
      [['start', 'ask'], ['ask', 'route'], ['route', 'say', 'else']],
    );
    expect(availableVariables(doc, 'say').slice(ALWAYS.length)).toEqual([
      { expression: 'nodes.route.output.matched', description: 'the index of the condition route took (null for its fallback port)' },
      { expression: 'nodes.ask.output.message.text', description: 'what the person answered when the flow went on from ask' },
    ]);
  });

  it('collects the variables of the flow and of every core/set node, each once, by name', () => {
    const doc = flow(
      [
        ['start', 'core/trigger'],
        ['remember', 'core/set', { vars: { name: '{{ message.text }}', persona: 'stern' } }],
        ['later', 'core/set', { vars: { zip: '1000' } }],
        ['other', 'acme/set', { vars: { ignored: true } }],
        ['broken', 'core/set', { vars: 'not a map' }],
      ],
      [],
      { persona: 'You are kind.', count: 0 },
    );
    expect(availableVariables(doc, 'start').slice(ALWAYS.length)).toEqual([
      { expression: 'vars.count', description: 'a variable of the flow, starting as 0' },
      { expression: 'vars.name', description: 'set by remember' },
      { expression: 'vars.persona', description: 'a variable of the flow, starting as "You are kind."; set by remember' },
      { expression: 'vars.zip', description: 'set by later' },
    ]);
  });

  it('shortens long starting values in the description', () => {
    const doc = flow([['start', 'core/trigger']], [], { persona: 'x'.repeat(100) });
    const persona = availableVariables(doc, 'start').find((v) => v.expression === 'vars.persona');
    expect(persona?.description.length).toBeLessThan(80);
    expect(persona?.description.endsWith('…')).toBe(true);
  });

  it('back-quotes ids and names JSONata would read as arithmetic', () => {
    const doc = flow(
      [['start', 'core/trigger'], ['reply-1', 'core/reply'], ['2nd', 'core/reply'], ['end_here', 'core/reply']],
      [['start', 'reply-1'], ['reply-1', '2nd'], ['2nd', 'end_here']],
      { 'first-name': '' },
    );
    expect(expressions(doc, 'end_here').slice(ALWAYS.length)).toEqual(['vars.`first-name`', 'nodes.`2nd`.output', 'nodes.`reply-1`.output']);
  });

  it("offers a failed node's error message where its error port leads", () => {
    const doc = flow(
      [['start', 'core/trigger'], ['fetch', 'core/http'], ['sorry', 'core/reply'], ['after', 'core/reply'], ['fine', 'core/reply']],
      [['start', 'fetch'], ['fetch', 'fine'], ['fetch', 'sorry', 'error'], ['sorry', 'after']],
    );
    expect(expressions(doc, 'sorry')).toContain('nodes.fetch.output.error.message');
    expect(expressions(doc, 'after')).toContain('nodes.fetch.output.error.message');
    expect(expressions(doc, 'fine')).not.toContain('nodes.fetch.output.error.message');
    expect(expressions(doc, 'fine')).toContain('nodes.fetch.output');
  });
});
