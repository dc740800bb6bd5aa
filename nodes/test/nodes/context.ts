import type { CapabilityContext } from '@nexusflow/engine';
import { testCapabilityContext } from '@nexusflow/engine/testing';

/** A capability context as the runtime builds it for one step attempt (each attempt gets a new object). */
export function stepContext(overrides: Partial<CapabilityContext> = {}): CapabilityContext {
  return testCapabilityContext({
    workspaceId: 'ws-a',
    sessionKey: 'ws-a:alice',
    contact: { id: 'alice' },
    nodeType: 'core/test',
    plugin: 'core',
    ...overrides,
  });
}
