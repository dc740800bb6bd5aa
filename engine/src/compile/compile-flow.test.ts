import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { flow, inlinePlugin } from '../../test/fixtures/plugins.js';
import { createRegistry } from '../plugins/registry.js';
import { FAILED_STATE, IDLE_STATE } from './build-machine.js';
import { compileFlow, compileFlowOrThrow } from './compile-flow.js';

const plugin = inlinePlugin('t', {
  step: { config: { type: 'object', properties: { text: { type: 'string' } } }, run: '() => ({})' },
  pick: { ports: ['yes', 'no'], run: '() => ({})' },
});
const registry = createRegistry({ plugins: [plugin] });

const sample = () =>
  flow(
    [
      ['start', 'core/trigger'],
      ['ask', 't/pick'],
      ['yes', 't/step', { text: 'Hi {{ message.text }}' }],
      ['wait', 'core/wait'],
      ['bye', 'core/end'],
    ],
    ['start.out->ask', 'ask.yes->yes', 'yes.out->wait', 'wait.out->ask', 'ask.error->bye'],
  );

describe('compileFlow', () => {
  it('makes one state per node, with a transition per port', () => {
    const compiled = compileFlowOrThrow(sample(), registry);
    expect(Object.keys(compiled.machine.states).sort()).toEqual([FAILED_STATE, IDLE_STATE, 'ask', 'bye', 'start', 'wait', 'yes'].sort());
    expect(compiled.triggerId).toBe('start');
    expect(compiled.next(IDLE_STATE, 'nexus.message')).toBe('start');
    expect(compiled.next('ask', 'port.yes')).toBe('yes');
    expect(compiled.next('ask', 'port.error')).toBe('bye');
    expect(compiled.next('bye', 'nexus.end')).toBe(IDLE_STATE);
  });

  it('sends unwired ports to the idle state and an unwired error port to the failed state', () => {
    const compiled = compileFlowOrThrow(sample(), registry);
    expect(compiled.next('ask', 'port.no')).toBe(IDLE_STATE);
    expect(compiled.next('yes', 'port.error')).toBe(FAILED_STATE);
    expect(compiled.next(FAILED_STATE, 'nexus.message')).toBe('start');
    expect(compiled.next('ask', 'port.missing')).toBeUndefined();
  });

  it('builds a machine XState itself can run', () => {
    const { machine } = compileFlowOrThrow(sample(), registry);
    const actor = createActor(machine).start();
    for (const type of ['nexus.message', 'port.out', 'port.yes', 'port.out', 'port.out']) actor.send({ type });
    expect(actor.getSnapshot().value).toBe('ask');
    actor.stop();
  });

  it('precompiles templates only where a config has them', () => {
    const compiled = compileFlowOrThrow(sample(), registry);
    expect(compiled.nodes.get('yes')?.render).toBeTypeOf('function');
    expect(compiled.nodes.get('ask')?.render).toBeUndefined();
    expect(compiled.nodes.get('ask')?.ports).toEqual(['yes', 'no']);
    expect(compiled.nodes.get('ask')?.errorWired).toBe(true);
  });

  it('caches compiled flows by identity and by content hash', () => {
    const doc = sample();
    const first = compileFlowOrThrow(doc, registry);
    expect(compileFlowOrThrow(doc, registry)).toBe(first);
    expect(compileFlowOrThrow(JSON.parse(JSON.stringify(doc)), registry)).toBe(first);
    expect(compileFlowOrThrow({ ...doc, name: 'Renamed' }, registry)).not.toBe(first);
    // Another registry may know other types: it never shares a compiled flow.
    expect(compileFlowOrThrow(doc, createRegistry({ plugins: [plugin] }))).not.toBe(first);
  });

  it('returns every issue of an invalid document instead of compiling it', () => {
    const doc = sample();
    doc.edges.push({ id: 'e9', source: 'ghost', port: 'out', target: 'ask' });
    doc.nodes.push({ id: 'a.b', type: 't/step', position: { x: 0, y: 0 }, config: { text: '{{ $oops( }}' } });
    const result = compileFlow(doc, registry);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => i.pointer)).toEqual(expect.arrayContaining(['/nodes/5/id']));
    expect(() => compileFlowOrThrow(doc, registry)).toThrow(/the flow is not valid:\n {2}\//);
  });
});
