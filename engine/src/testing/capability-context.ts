import type { CapabilityContext } from '../session/types.js';

/**
 * A capability context as the runtime builds it for one step attempt, for calling providers
 * directly in tests and benchmarks. Each call returns a new object, as each attempt gets one.
 *
 * @example
 * await kv('get', ['x'], testCapabilityContext({ workspaceId: 'B' }));
 */
export function testCapabilityContext(overrides: Partial<CapabilityContext> = {}): CapabilityContext {
  const workspaceId = overrides.workspaceId ?? 'test-workspace';
  const sessionKey = overrides.sessionKey ?? `${workspaceId}:test-contact`;
  const nodeId = overrides.nodeId ?? 'node';
  const turn = overrides.turn ?? 1;
  const step = overrides.step ?? 0;
  return {
    workspaceId,
    sessionKey,
    flowId: 'test-flow',
    contact: { id: 'test-contact' },
    nodeId,
    nodeType: 'test/node',
    plugin: 'test',
    turn,
    step,
    idempotencyKey: `${sessionKey}/${turn}/${step}/${nodeId}`,
    ...overrides,
  };
}
