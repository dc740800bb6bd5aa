import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages.js';
import { LlmError, mapProviderError } from './errors.js';
import { clientSetup } from './client-options.js';
import type { LlmAdapter, LlmCallOptions, LlmCallRequest, LlmCallResult, LlmConnection, LlmStopReason, ReportedUsage } from './types.js';
import { CallWatchdog } from './watchdog.js';

function stopReasonOf(stop: string | null | undefined): LlmStopReason {
  if (stop === 'end_turn' || stop === 'stop_sequence') return 'stop';
  if (stop === 'max_tokens' || stop === 'model_context_window_exceeded') return 'length';
  if (stop === 'refusal') return 'refusal';
  return 'other';
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/**
 * Usage of an Anthropic stream (B-05): input from `message_start`, unless it said 0 there and the
 * real count comes in `message_delta`; output from the LAST `message_delta`, which is cumulative,
 * never the sum of them.
 */
export class AnthropicUsage {
  private startInput: number | undefined;
  private deltaInput: number | undefined;
  private startOutput: number | undefined;
  private deltaOutput: number | undefined;

  onEvent(event: RawMessageStreamEvent): void {
    if (event.type === 'message_start') {
      const usage = event.message?.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
      this.startInput = num(usage?.input_tokens);
      this.startOutput = num(usage?.output_tokens);
    } else if (event.type === 'message_delta') {
      const usage = event.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
      const input = num(usage?.input_tokens);
      if (input !== undefined && input > 0) this.deltaInput = input;
      const output = num(usage?.output_tokens);
      if (output !== undefined) this.deltaOutput = output;
    }
  }

  reported(): ReportedUsage {
    const usage: ReportedUsage = {};
    const input = this.startInput !== undefined && this.startInput > 0 ? this.startInput : (this.deltaInput ?? this.startInput);
    if (input !== undefined) usage.inputTokens = input;
    // message_start's output count (usually 1) is a placeholder: only a message_delta tells the total.
    if (this.deltaOutput !== undefined) usage.outputTokens = this.deltaOutput;
    return usage;
  }
}

/** The official `@anthropic-ai/sdk`; system messages are joined into `system`. */
export function createAnthropicAdapter(connection: LlmConnection): LlmAdapter {
  const { timeoutMs, options: clientOptions, errorContext } = clientSetup(connection);
  const client = new Anthropic(clientOptions);

  return {
    provider: 'anthropic',
    async chat(request: LlmCallRequest, options: LlmCallOptions = {}): Promise<LlmCallResult> {
      const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
      const params: MessageCreateParamsBase = {
        model: request.model,
        max_tokens: request.maxTokens,
        messages: request.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
      };
      if (system !== '') params.system = system;
      // Not in this SDK's types any more, but the API takes it for the models that accept it.
      if (request.temperature !== undefined) (params as unknown as Record<string, unknown>)['temperature'] = request.temperature;
      const watchdog = new CallWatchdog(timeoutMs, options.signal);
      try {
        if (options.onDelta === undefined) {
          const message = await client.messages.create({ ...params, stream: false }, { signal: watchdog.signal });
          if (!Array.isArray(message.content)) throw new LlmError('llm_bad_response', 'anthropic answered without content');
          const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
          const usage: ReportedUsage = {};
          const input = num(message.usage?.input_tokens);
          const output = num(message.usage?.output_tokens);
          if (input !== undefined) usage.inputTokens = input;
          if (output !== undefined) usage.outputTokens = output;
          const stopReason = stopReasonOf(message.stop_reason);
          const result: LlmCallResult = { text, usage, stopReason };
          if (stopReason === 'refusal') result.refusal = text || 'the model declined to answer';
          return result;
        }
        const stream = await client.messages.create({ ...params, stream: true }, { signal: watchdog.signal });
        watchdog.touch();
        const usage = new AnthropicUsage();
        let text = '';
        let stop: string | null | undefined;
        let stopped = false;
        try {
          for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) {
            watchdog.touch();
            usage.onEvent(event);
            if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta' && event.delta.text !== '') {
              text += event.delta.text;
              options.onDelta(event.delta.text);
            } else if (event.type === 'message_delta') {
              if (event.delta?.stop_reason) stop = event.delta.stop_reason;
            } else if (event.type === 'message_stop') {
              stopped = true;
            }
          }
        } catch (error) {
          const mapped = mapProviderError(error, 'anthropic', errorContext(watchdog));
          const cut = mapped.llmCode === 'llm_timeout' || (mapped.llmCode === 'llm_server_error' && (error as { status?: unknown }).status !== undefined)
            ? mapped
            : new LlmError('llm_server_error', `the anthropic stream broke off after ${text.length} characters; try again`, { cause: error });
          cut.partial = { text, usage: usage.reported() };
          throw cut;
        }
        // An aborted SDK stream may simply end: our timer stopped it.
        if (watchdog.timedOut) {
          const late = mapProviderError(new Error('aborted'), 'anthropic', errorContext(watchdog));
          late.partial = { text, usage: usage.reported() };
          throw late;
        }
        if (!stopped && (stop === undefined || stop === null)) {
          const cut = new LlmError('llm_server_error', `the anthropic stream ended before the reply was complete (after ${text.length} characters); try again`);
          cut.partial = { text, usage: usage.reported() };
          throw cut;
        }
        const stopReason = stopReasonOf(stop);
        const result: LlmCallResult = { text, usage: usage.reported(), stopReason };
        if (stopReason === 'refusal') result.refusal = text || 'the model declined to answer';
        return result;
      } catch (error) {
        throw mapProviderError(error, 'anthropic', errorContext(watchdog));
      } finally {
        watchdog.stop();
      }
    },
  };
}
