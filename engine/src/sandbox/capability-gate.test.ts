import { describe, expect, it } from 'vitest';
import { CapabilityGate, type GatedCall } from './capability-gate.js';
import { DEFAULT_CALL_LIMITS } from './limits.js';

function gate(capabilities: string[], limits = DEFAULT_CALL_LIMITS) {
  const sent: GatedCall[] = [];
  return { sent, gate: new CapabilityGate(limits, capabilities, (call) => sent.push(call)) };
}

describe('CapabilityGate', () => {
  it('sends declared calls under the spelling the manifest used', () => {
    const { sent, gate: g } = gate(['kv', 'http:API.example.com']);
    expect(g.request(1, 'kv', 'get', '["a"]')).toBeUndefined();
    expect(g.request(2, 'http', 'fetch', '["https://api.example.com/v1"]')).toBeUndefined();
    expect(sent.map((c) => c.capability)).toEqual(['kv', 'http:API.example.com']);
  });

  it('refuses undeclared capabilities and other http hosts with capability_not_declared', () => {
    const { sent, gate: g } = gate(['http:api.example.com']);
    expect(g.request(1, 'secrets', 'get', '["x"]')).toMatch(/^capability_not_declared: secrets \(ctx.secrets.get needs "secrets"/);
    expect(g.request(2, 'http', 'fetch', '["https://api.example.com.evil.io/"]')).toMatch(/^capability_not_declared: http:api.example.com.evil.io/);
    expect(g.request(3, 'http', 'fetch', '["file:///etc/passwd"]')).toMatch(/^capability_failed: ctx.http.fetch needs an absolute http/);
    expect(sent).toEqual([]);
  });

  it('keeps maxInFlight at the host, queues the rest in order and stops at maxCallsPerStep', () => {
    const { sent, gate: g } = gate(['kv'], { ...DEFAULT_CALL_LIMITS, maxInFlight: 2, maxCallsPerStep: 3 });
    expect([1, 2, 3].map((id) => g.request(id, 'kv', 'get', '[]'))).toEqual([undefined, undefined, undefined]);
    expect(g.request(4, 'kv', 'get', '[]')).toMatch(/^capability_limit: .*\(maxCallsPerStep\)$/);
    expect(sent.map((c) => c.callId)).toEqual([1, 2]);
    g.settled();
    expect(sent.map((c) => c.callId)).toEqual([1, 2, 3]);
  });

  it('refuses arguments over maxArgBytes, counting UTF-8 bytes', () => {
    const { gate: g } = gate(['kv'], { ...DEFAULT_CALL_LIMITS, maxArgBytes: 8 });
    expect(g.request(1, 'kv', 'get', '["éééé"]')).toMatch(/^capability_limit: .*\(maxArgBytes\)$/);
  });

  it('drops queued calls and refuses new ones once closed', () => {
    const { sent, gate: g } = gate(['kv'], { ...DEFAULT_CALL_LIMITS, maxInFlight: 1 });
    g.request(1, 'kv', 'get', '[]');
    g.request(2, 'kv', 'get', '[]');
    g.close();
    g.settled();
    expect(sent.map((c) => c.callId)).toEqual([1]);
    expect(g.request(3, 'kv', 'get', '[]')).toMatch(/^capability_failed: ctx.kv.get was called after the step ended/);
  });
});
