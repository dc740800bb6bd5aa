import OpenAI from 'openai';
import type { CapabilityContext } from '@nexusflow/engine';
import { median, report, runNode, testCapabilityContext } from '@nexusflow/engine/testing';
import { loadCorePlugin } from '../../load-core-plugin.js';
import { createRecordingChannel } from '../channel/channel-capability.js';
import { countTokens, createMemoryLedger, loadRates } from '../credits/index.js';
import { startFakeLlmServer } from '../../testing/index.js';
import { createLlmCapability } from './llm-capability.js';

const ROUNDS = 200;
const STEP_ROUNDS = 100;

function context(i: number): CapabilityContext {
  return testCapabilityContext({ workspaceId: 'bench', sessionKey: 'bench:c', nodeId: 'llm', nodeType: 'core/llm', plugin: 'core', turn: i });
}

/**
 * What the LLM path adds over calling the SDK directly, against the local fake server:
 * the capability (validation, hold, settle, adapter), a whole core/llm step (isolate included),
 * and the extra time to the first streamed token reaching the channel.
 */
export async function benchLlm(): Promise<void> {
  const server = await startFakeLlmServer({ responder: () => 'The quick brown fox jumps over the lazy dog.' });
  try {
    const loaded = loadRates({ feePercent: 0, models: { 'openai/bench-gpt': { inputPer1K: 1, outputPer1K: 2 } } }, 'bench');
    if (!loaded.ok) throw new Error('bench rates are invalid');
    const ledger = createMemoryLedger();
    await ledger.adjust('bench', 'topup', 'purchase', 1_000_000_000);
    let firstDeltaAt = 0;
    const { port } = createRecordingChannel({ onDelta: () => void (firstDeltaAt ||= performance.now()) });
    const llm = createLlmCapability({
      ledger,
      rates: loaded.value,
      countTokens,
      channel: port,
      connections: () => ({ provider: 'openai', apiKey: 'sk-bench', baseURL: server.openaiBaseURL, maxRetries: 0 }),
    });
    const direct = new OpenAI({ apiKey: 'sk-bench', baseURL: server.openaiBaseURL, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'Say something about foxes.' }];
    const request = { model: 'bench-gpt', messages, maxTokens: 64 };

    // Warm both paths (connections, JIT, tokenizer).
    for (let i = 0; i < 20; i += 1) {
      await direct.chat.completions.create({ model: 'bench-gpt', messages, max_tokens: 64 });
      await llm('chat', [request], context(-1 - i));
    }

    const plainDirect: number[] = [];
    const plainCapability: number[] = [];
    const ttftDirect: number[] = [];
    const ttftCapability: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      let t = performance.now();
      await direct.chat.completions.create({ model: 'bench-gpt', messages, max_tokens: 64 });
      plainDirect.push(performance.now() - t);
      t = performance.now();
      await llm('chat', [request], context(i * 2));
      plainCapability.push(performance.now() - t);

      t = performance.now();
      const stream = await direct.chat.completions.create({ model: 'bench-gpt', messages, max_tokens: 64, stream: true, stream_options: { include_usage: true } });
      let first = 0;
      for await (const chunk of stream) if (first === 0 && chunk.choices[0]?.delta?.content) first = performance.now();
      ttftDirect.push(first - t);
      firstDeltaAt = 0;
      t = performance.now();
      await llm('chat', [{ ...request, stream: true }], context(i * 2 + 1));
      ttftCapability.push(firstDeltaAt - t);
    }
    const sdkMs = median(plainDirect);
    const capMs = median(plainCapability);
    report('llm capability vs direct SDK', { sdk_ms: sdkMs, capability_ms: capMs, added_ms: capMs - sdkMs, target_ms: 2 });
    const ttftSdk = median(ttftDirect);
    const ttftCap = median(ttftCapability);
    report('llm first streamed token', { sdk_ms: ttftSdk, channel_ms: ttftCap, added_ms: ttftCap - ttftSdk, target_ms: 5 });

    // A whole core/llm step in an isolate (engine step overhead included), against the direct call.
    const core = await loadCorePlugin();
    const capabilities = {
      llm: { chat: (req: unknown, ctx: unknown) => llm('chat', [req], ctx as CapabilityContext) },
      memory: { history: () => [], append: () => undefined },
      channel: { send: () => undefined },
    };
    const stepDirect: number[] = [];
    const steps: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      await runNode({ plugin: core, type: 'core/llm', config: { model: 'bench-gpt', maxTokens: 64 }, message: { text: 'Say something about foxes.' }, workspaceId: 'bench', capabilities });
    }
    for (let i = 0; i < STEP_ROUNDS; i += 1) {
      let t = performance.now();
      await direct.chat.completions.create({ model: 'bench-gpt', messages, max_tokens: 64 });
      stepDirect.push(performance.now() - t);
      t = performance.now();
      // runNode reuses one idempotency key: the ledger answers re-runs from the same hold.
      await runNode({ plugin: core, type: 'core/llm', config: { model: 'bench-gpt', maxTokens: 64 }, message: { text: 'Say something about foxes.' }, workspaceId: 'bench', capabilities });
      steps.push(performance.now() - t);
    }
    report('core/llm step vs direct SDK', { sdk_ms: median(stepDirect), step_ms: median(steps), added_ms: median(steps) - median(stepDirect) });
  } finally {
    await server.close();
  }
}
