import type { FlowDocument } from '@nexusflow/schemas';
import { createRegistry } from '../plugins/registry.js';
import type { LoadedPlugin, NodeTypeRegistry } from '../plugins/types.js';
import type { StepSandbox } from '../session/run-step.js';
import { createSessionRuntime, type SessionRuntime } from '../session/runtime.js';
import { createMemorySessionStore } from '../session/stores/memory-store.js';
import type { ChatMessage, SessionStore, TraceEvent, TurnResult } from '../session/types.js';
import { fakeCapabilities, type FakeCapabilities, type RecordedCall } from './fake-capabilities.js';
import { testSandbox } from './test-sandbox.js';

export interface TestSessionOptions {
  plugins?: readonly LoadedPlugin[];
  registry?: NodeTypeRegistry;
  /** Fakes for other capabilities; `channel.send` is always recorded into `replies`. */
  capabilities?: FakeCapabilities;
  store?: SessionStore;
  sandbox?: StepSandbox;
  workspaceId?: string;
  stepBudget?: number;
}

export interface TestTurn {
  result: TurnResult;
  /** What the flow sent to the channel during this turn. */
  replies: unknown[];
  /** Texts of those replies, for short assertions. */
  texts: string[];
  trace: TraceEvent[];
}

export interface TestSession {
  runtime: SessionRuntime;
  store: SessionStore;
  calls: RecordedCall[];
  trace: TraceEvent[];
  /** Sends a message as `contact` (default `alice`) and returns what the turn did. */
  send(message: string | ChatMessage, contact?: string): Promise<TestTurn>;
  close(): Promise<void>;
}

/**
 * Runs a flow the way the server does, with fake capabilities and an in-memory store: the
 * flow-as-fixture harness of the engine.
 *
 * @example
 * const session = createTestSession(echoFlow, { plugins: [core] });
 * expect((await session.send('hi')).texts).toEqual(['You said: hi']);
 */
export function createTestSession(flow: FlowDocument, options: TestSessionOptions = {}): TestSession {
  const replies: unknown[] = [];
  const trace: TraceEvent[] = [];
  const store = options.store ?? createMemorySessionStore();
  const { channel, ...others } = options.capabilities ?? {};
  const capabilities = fakeCapabilities({
    ...others,
    channel: {
      ...channel,
      send: async (message: unknown, ...rest: unknown[]) => {
        replies.push(message);
        await channel?.['send']?.(message, ...rest);
      },
    },
  });
  const workspaceId = options.workspaceId ?? 'test-workspace';
  const runtime = createSessionRuntime({
    registry: options.registry ?? createRegistry({ plugins: options.plugins ?? [] }),
    store,
    sandbox: options.sandbox ?? testSandbox(),
    capabilities,
    resolve: (key) => ({ workspaceId, flow, contact: { id: key.split(':').pop() ?? key } }),
    trace: { emit: (event) => void trace.push(event) },
    ...(options.stepBudget === undefined ? {} : { stepBudget: options.stepBudget }),
  });
  return {
    runtime,
    store,
    calls: capabilities.calls,
    trace,
    async send(message, contact = 'alice') {
      const repliesBefore = replies.length;
      const traceBefore = trace.length;
      const result = await runtime.dispatch(`${workspaceId}:${contact}`, typeof message === 'string' ? { text: message } : message);
      const turnReplies = replies.slice(repliesBefore);
      return {
        result,
        replies: turnReplies,
        texts: turnReplies.map((r) => (r as { text?: string }).text ?? ''),
        trace: trace.slice(traceBefore),
      };
    },
    close: () => runtime.close(),
  };
}
