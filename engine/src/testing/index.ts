export { runNode } from './run-node.js';
export type { RunNodeOptions, RunNodeResult } from './run-node.js';
export { createTestSession } from './test-session.js';
export type { TestSession, TestSessionOptions, TestTurn } from './test-session.js';
export { fakeCapabilities } from './fake-capabilities.js';
export type { FakeCapabilities, FakeMethod, RecordedCall } from './fake-capabilities.js';
export { testSandbox } from './test-sandbox.js';
export { testCapabilityContext } from './capability-context.js';
export { median, percentile, report } from '../bench/fixtures.js';
