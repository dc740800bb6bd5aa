import {
  NexusError,
  createSessionRuntime,
  createMemorySessionStore,
  type FlowDocument,
  type NodeTypeRegistry,
  type SessionRuntime,
  type SessionStore,
  type StepSandbox,
  type TraceEvent,
} from '@nexusflow/engine';
import {
  composeCapabilities,
  countTokens,
  createBillingCapability,
  createChannelCapability,
  createKvCapability,
  createLlmCapability,
  createMemoryCapability,
  createMemoryHistoryStore,
  createMemoryKvStore,
  createMemoryLedger,
  createMemorySecretStore,
  createRecordingChannel,
  createSecretsCapability,
  loadDefaultRates,
  type CapabilityHandler,
  type LlmConnection,
  type RateTable,
  type RecordedDelivery,
} from '@nexusflow/nodes';
import { startFakeLlmServer, type FakeLlmServer, type ScriptStep } from '@nexusflow/nodes/testing';

/** The workspace every test session runs in. */
export const TEST_WORKSPACE = 'test';
/** Credits the ledger starts with: enough that billing never blocks a test. */
export const TEST_CREDITS = 1_000_000_000_000;
/** The first-token and idle timeout of the LLM connections; the per-turn timeout may end a turn sooner. */
const LLM_TIMEOUT_MS = 30_000;

let rates: RateTable | undefined;

/** The shipped rates plus a default rate, so a flow may name any model. */
function testRates(): RateTable {
  rates ??= { ...loadDefaultRates(), defaultRate: { inputPer1K: 1, outputPer1K: 1 }, source: 'conversation tests (default rates)' };
  return rates;
}

function unavailable(name: string): CapabilityHandler {
  return () =>
    Promise.reject(
      new NexusError('capability_failed', `${name} is not available in conversation tests: they run offline; wire the node's error port or test this part elsewhere`),
    );
}

/** What one turn's LLM script did: calls made, replies left unused, calls past the script. */
export interface LlmUsage {
  calls: number;
  unused: number;
  beyondScript: number;
}

/**
 * One conversation's world: a fresh session store, channel, ledger, memory and kv, the real core
 * capabilities, and the real LLM capability talking to its own fake LLM server.
 */
export interface TestSession {
  readonly key: string;
  readonly runtime: SessionRuntime;
  readonly store: SessionStore;
  readonly trace: TraceEvent[];
  readonly delivered: RecordedDelivery[];
  /** Queues this turn's LLM replies; calls past them get an HTTP 500 naming the problem. */
  scriptTurn(steps: readonly ScriptStep[]): void;
  llmUsage(): LlmUsage;
  close(): Promise<void>;
}

export async function openTestSession(options: {
  flow: FlowDocument;
  registry: NodeTypeRegistry;
  sandbox: StepSandbox;
  contact: string;
}): Promise<TestSession> {
  let scripted = 0;
  let beyondScript = 0;
  const server: FakeLlmServer = await startFakeLlmServer({
    responder: () => {
      beyondScript += 1;
      return {
        status: 500,
        errorMessage: `conversation test: this turn scripts ${scripted} LLM repl${scripted === 1 ? 'y' : 'ies'} and the flow asked for another; add it to the turn's "llm" list`,
      };
    },
  });
  const timeoutMs = LLM_TIMEOUT_MS;
  const connections = (_workspace: string, provider: string): LlmConnection =>
    provider === 'anthropic'
      ? { provider: 'anthropic', apiKey: 'sk-conversation-test', baseURL: server.anthropicBaseURL, maxRetries: 0, timeoutMs }
      : { provider: 'openai', apiKey: 'sk-conversation-test', baseURL: server.openaiBaseURL, maxRetries: 0, timeoutMs };
  const ledger = createMemoryLedger();
  await ledger.adjust(TEST_WORKSPACE, 'conversation-test-credits', 'purchase', TEST_CREDITS);
  const { port, delivered } = createRecordingChannel();
  const capabilities = composeCapabilities({
    llm: createLlmCapability({ ledger, rates: testRates(), connections, channel: port, countTokens }),
    channel: createChannelCapability(port),
    memory: createMemoryCapability({ history: createMemoryHistoryStore() }),
    kv: createKvCapability(createMemoryKvStore()),
    secrets: createSecretsCapability(createMemorySecretStore()),
    billing: createBillingCapability({ ledger, rates: testRates() }),
    http: unavailable('http'),
    deploy: unavailable('deploy'),
  });
  const store = createMemorySessionStore();
  const trace: TraceEvent[] = [];
  const runtime = createSessionRuntime({
    registry: options.registry,
    store,
    sandbox: options.sandbox,
    capabilities,
    resolve: () => ({ workspaceId: TEST_WORKSPACE, flow: options.flow, contact: { id: options.contact } }),
    trace: { emit: (event) => void trace.push(event) },
  });
  return {
    key: `${TEST_WORKSPACE}:${options.contact}`,
    runtime,
    store,
    trace,
    delivered,
    scriptTurn(steps) {
      server.reset();
      scripted = steps.length;
      beyondScript = 0;
      if (steps.length > 0) server.script(...steps);
    },
    llmUsage: () => ({ calls: server.requests.length, unused: server.pending, beyondScript }),
    async close() {
      await server.close();
    },
  };
}
