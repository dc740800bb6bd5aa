import { randomBytes } from 'node:crypto';
import {
  NexusError,
  compileFlow,
  createMemorySessionStore,
  createRegistry,
  createSessionRuntime,
  type CapabilityProvider,
  type ChannelPort,
  type FlowDocument,
  type LoadedPlugin,
  type OutboundMessage,
  type SandboxPool,
  type TurnResult,
  type ValidationIssue,
} from '@nexusflow/engine';
import type { TranscriptEntry } from '../store/types.js';
import type { PluginRegistries } from './plugin-registry.js';
import type { SessionEvents } from './session-events.js';

/** Test chats one person may keep open at once; the oldest is dropped beyond it. */
export const MAX_TESTS_PER_USER = 10;

export interface TestSession {
  testId: string;
  workspaceId: string;
  userId: string;
  flow: FlowDocument;
}

/**
 * The editor's test chat: a person runs the flow they are editing, saved or not, in a session that
 * lives in memory and is never mixed with real conversations. Replies, tokens and trace events go
 * to the session's listeners only (the studio socket). Capabilities are the real ones: LLM steps
 * are charged to the workspace, and memory is kept per test (a reset starts a fresh one).
 */
export interface TestSessions {
  /** Checks `flow` against the workspace's node types and opens a test on it. */
  start(workspaceId: string, userId: string, flow: unknown): Promise<{ ok: true; test: TestSession } | { ok: false; issues: ValidationIssue[] }>;
  get(testId: string): TestSession | undefined;
  send(testId: string, text: string): Promise<TurnResult>;
  stop(testId: string): void;
  close(): Promise<void>;
}

function testChannel(events: SessionEvents, now: () => number): ChannelPort {
  const seqs = new Map<string, number>();
  const delivered = new Set<string>();
  const deliver = (sessionId: string, workspaceId: string, key: string, message: OutboundMessage, streamId?: string) => {
    if (delivered.has(key)) return;
    delivered.add(key);
    if (delivered.size > 50_000) delivered.delete(delivered.values().next().value as string);
    const seq = (seqs.get(sessionId) ?? 0) + 1;
    seqs.set(sessionId, seq);
    const payload: Record<string, unknown> = {};
    if (message.buttons !== undefined) payload.buttons = message.buttons;
    if (message.media !== undefined) payload.media = message.media;
    const entry: TranscriptEntry = { sessionId, workspaceId, seq, role: 'bot', text: message.text ?? '', key, at: now(), ...(Object.keys(payload).length > 0 ? { payload } : {}) };
    events.emit(streamId === undefined ? { type: 'reply', sessionId, entry } : { type: 'reply', sessionId, entry, streamId });
  };
  return {
    async send(context, message, sequence) {
      deliver(context.sessionKey, context.workspaceId, `${context.idempotencyKey}/send/${sequence}`, message);
    },
    stream(context, sequence) {
      const key = `${context.idempotencyKey}/stream/${sequence}`;
      return {
        write: (delta) => events.emit({ type: 'token', sessionId: context.sessionKey, streamId: key, delta }),
        end: async (fullText) => deliver(context.sessionKey, context.workspaceId, key, { text: fullText }, key),
        abort: (reason) => events.emit({ type: 'stream.aborted', sessionId: context.sessionKey, streamId: key, reason }),
      };
    },
  };
}

export function createTestSessions(deps: {
  events: SessionEvents;
  registries: PluginRegistries;
  sandbox: SandboxPool;
  capabilities: (channel: ChannelPort) => CapabilityProvider;
  corePlugin: LoadedPlugin;
  now: () => number;
}): TestSessions {
  const tests = new Map<string, TestSession>();
  const runtime = createSessionRuntime({
    registry: createRegistry({ plugins: [deps.corePlugin] }),
    store: createMemorySessionStore(),
    sandbox: deps.sandbox,
    capabilities: deps.capabilities(testChannel(deps.events, deps.now)),
    clock: { now: deps.now },
    trace: {
      emit(event) {
        const test = tests.get(event.sessionKey);
        if (test !== undefined) deps.events.emit({ type: 'trace', sessionId: test.testId, workspaceId: test.workspaceId, event });
      },
    },
    async resolve(key) {
      const test = tests.get(key);
      if (test === undefined) throw new NexusError('session_unrecoverable', 'this test chat has ended; start a new one');
      return { workspaceId: test.workspaceId, flow: test.flow, contact: { id: `studio-${test.testId}`, channel: 'studio' }, registry: await deps.registries.forWorkspace(test.workspaceId) };
    },
  });

  return {
    async start(workspaceId, userId, doc) {
      const compiled = compileFlow(doc, await deps.registries.forWorkspace(workspaceId));
      if (!compiled.ok) return { ok: false, issues: compiled.issues };
      const mine = [...tests.values()].filter((t) => t.userId === userId);
      if (mine.length >= MAX_TESTS_PER_USER) tests.delete((mine[0] as TestSession).testId);
      const test: TestSession = { testId: `test-${randomBytes(16).toString('base64url')}`, workspaceId, userId, flow: compiled.value.flow };
      tests.set(test.testId, test);
      return { ok: true, test };
    },
    get: (testId) => tests.get(testId),
    send(testId, text) {
      if (!tests.has(testId)) return Promise.reject(new NexusError('session_unrecoverable', 'this test chat has ended; start a new one'));
      return runtime.dispatch(testId, { text });
    },
    stop(testId) {
      tests.delete(testId);
    },
    close: () => runtime.close(),
  };
}
