import { describe, expect, it } from 'vitest';
import { EMPTY_TRACE, applyTrace } from './trace-state.js';

describe('applyTrace', () => {
  it('lights the running node, records port, duration and output, and clears at the end of the turn', () => {
    let state = applyTrace(EMPTY_TRACE, { type: 'turn.started', message: { text: 'hi' } });
    state = applyTrace(state, { type: 'node.entered', nodeId: 'answer', attempt: 1 });
    expect(state.activeNodeId).toBe('answer');
    expect(state.runs.answer).toEqual({ input: { text: 'hi' }, attempt: 1 });
    state = applyTrace(state, { type: 'node.port', nodeId: 'answer', port: 'out', durationMs: 12, output: '{"text":"hello"}' });
    expect(state.runs.answer).toMatchObject({ port: 'out', durationMs: 12, output: '{"text":"hello"}' });
    state = applyTrace(state, { type: 'node.entered', nodeId: 'fail' });
    state = applyTrace(state, { type: 'node.error', nodeId: 'fail', error: { code: 'timeout', message: 'too slow' }, durationMs: 5 });
    expect(state.runs.fail?.error?.code).toBe('timeout');
    state = applyTrace(state, { type: 'turn.ended', status: 'ended' });
    expect(state.activeNodeId).toBeUndefined();
    expect(Object.keys(state.runs)).toEqual(['answer', 'fail']);
    // The next turn starts a fresh picture.
    expect(applyTrace(state, { type: 'turn.started', message: { text: 'again' } }).runs).toEqual({});
  });
});
