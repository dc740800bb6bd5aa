import { testCapabilityContext } from '@nexusflow/engine/testing';
import type { CapabilityContext, LlmMessage } from '@nexusflow/engine';
import { createChannelCapability, createRecordingChannel } from '../../src/providers/channel/channel-capability.js';
import { composeCapabilities } from '../../src/providers/compose.js';
import { costOf, countTokens, createMemoryLedger, loadRates, type MemoryLedger, type RateTable } from '../../src/providers/credits/index.js';
import { createLlmCapability, type LlmConnection } from '../../src/providers/llm/index.js';
import type { FakeLlmServer } from '../../src/testing/index.js';

export const RATE = { inputPer1K: 3, outputPer1K: 15 };
export const FEE = 10;

export function testRates(): RateTable {
  const loaded = loadRates(
    { feePercent: FEE, models: { 'openai/test-gpt': RATE, 'anthropic/test-claude': RATE, 'openrouter/test-gpt': RATE, 'mistral/test-gpt': RATE } },
    'test-rates',
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.value;
}

export function context(key = 'ws:alice/1/0/llm', workspaceId = 'ws'): CapabilityContext {
  return testCapabilityContext({
    workspaceId,
    sessionKey: `${workspaceId}:alice`,
    contact: { id: 'alice' },
    nodeId: 'llm',
    nodeType: 'core/llm',
    plugin: 'core',
    idempotencyKey: key,
  });
}

export interface Harness {
  ledger: MemoryLedger;
  rates: RateTable;
  deltas: string[];
  delivered: ReturnType<typeof createRecordingChannel>['delivered'];
  channelPort: ReturnType<typeof createRecordingChannel>['port'];
  llm: ReturnType<typeof createLlmCapability>;
  /** Everything but llm faked: routes `llm` and `channel` to the real providers. */
  provider: ReturnType<typeof composeCapabilities>;
}

export function harness(
  server: FakeLlmServer,
  connection: Partial<LlmConnection> = {},
  extra: { memory?: Parameters<typeof composeCapabilities>[0]['memory'] } = {},
): Harness {
  const ledger = createMemoryLedger();
  const rates = testRates();
  const deltas: string[] = [];
  const { port, delivered } = createRecordingChannel({ onDelta: (d) => void deltas.push(d) });
  const connections = (_ws: string, provider: string): LlmConnection | undefined => {
    if (provider === 'openai' || provider === 'openrouter') {
      return { provider: 'openai', apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0, timeoutMs: 5000, ...connection };
    }
    if (provider === 'anthropic') {
      return { provider: 'anthropic', apiKey: 'sk-ant-test', baseURL: server.anthropicBaseURL, maxRetries: 0, timeoutMs: 5000, ...connection };
    }
    return undefined;
  };
  const llm = createLlmCapability({ ledger, rates, connections, channel: port, countTokens });
  const provider = composeCapabilities({
    llm,
    channel: createChannelCapability(port),
    ...(extra.memory === undefined ? {} : { memory: extra.memory }),
  });
  return { ledger, rates, deltas, delivered, channelPort: port, llm, provider };
}

/** The cost the fake server's own counts imply (o200k tokens of every text sent and of the reply). */
export function expectedCost(server: FakeLlmServer, sentTexts: string[], reply: string): number {
  const input = sentTexts.reduce((sum, t) => sum + server.countTokens(t), 0);
  return costOf(RATE, FEE, input, server.countTokens(reply));
}

export const userMessage = (content: string): LlmMessage => ({ role: 'user', content });
