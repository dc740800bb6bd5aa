import type { CapabilityContext } from '@nexusflow/engine';

/** A capability context as the runtime builds it for one step attempt (each attempt gets a new object). */
export function stepContext(overrides: Partial<CapabilityContext> = {}): CapabilityContext {
  return {
    workspaceId: 'ws-a',
    sessionKey: 'ws-a:alice',
    flowId: 'flow',
    contact: { id: 'alice' },
    nodeId: 'node',
    nodeType: 'core/test',
    plugin: 'core',
    turn: 1,
    step: 0,
    idempotencyKey: 'ws-a:alice/1/0/node',
    ...overrides,
  };
}
