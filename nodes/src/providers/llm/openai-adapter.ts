import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions/completions.js';
import { LlmError, mapProviderError } from './errors.js';
import type { LlmAdapter, LlmCallOptions, LlmCallRequest, LlmCallResult, LlmConnection, LlmStopReason, ReportedUsage } from './types.js';
import { clientSetup } from './client-options.js';
import { CallWatchdog } from './watchdog.js';

export { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from './client-options.js';

function stopReasonOf(finish: string | null | undefined): LlmStopReason {
  if (finish === 'stop') return 'stop';
  if (finish === 'length') return 'length';
  if (finish === 'content_filter') return 'refusal';
  return 'other';
}

function usageOf(usage: { prompt_tokens?: number; completion_tokens?: number } | null | undefined): ReportedUsage {
  const reported: ReportedUsage = {};
  if (usage === null || usage === undefined) return reported;
  if (typeof usage.prompt_tokens === 'number') reported.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') reported.outputTokens = usage.completion_tokens;
  return reported;
}

/**
 * The official `openai` SDK, for OpenAI and every OpenAI-compatible endpoint (OpenRouter, Ollama,
 * vLLM, DeepSeek, Gemini's compatibility endpoint) through the connection's base URL.
 */
export function createOpenAiAdapter(connection: LlmConnection): LlmAdapter {
  const { timeoutMs, options: clientOptions, errorContext } = clientSetup(connection);
  const client = new OpenAI(clientOptions);

  return {
    provider: 'openai',
    async chat(request: LlmCallRequest, options: LlmCallOptions = {}): Promise<LlmCallResult> {
      const params: ChatCompletionCreateParamsBase = {
        model: request.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        max_tokens: request.maxTokens,
      };
      if (request.temperature !== undefined) params.temperature = request.temperature;
      if (request.jsonMode === true) params.response_format = { type: 'json_object' };
      const watchdog = new CallWatchdog(timeoutMs, options.signal);
      try {
        if (options.onDelta === undefined) {
          const completion = await client.chat.completions.create({ ...params, stream: false }, { signal: watchdog.signal });
          const choice = completion.choices?.[0];
          if (choice === undefined) throw new LlmError('llm_bad_response', 'openai answered without any choice');
          const result: LlmCallResult = {
            text: choice.message?.content ?? '',
            usage: usageOf(completion.usage),
            stopReason: choice.message?.refusal ? 'refusal' : stopReasonOf(choice.finish_reason),
          };
          if (choice.message?.refusal) result.refusal = choice.message.refusal;
          return result;
        }
        const stream = await client.chat.completions.create(
          { ...params, stream: true, stream_options: { include_usage: true } },
          { signal: watchdog.signal },
        );
        watchdog.touch();
        let text = '';
        let refusal = '';
        let usage: ReportedUsage = {};
        let finish: string | null | undefined;
        try {
          for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
            watchdog.touch();
            if (chunk.usage) usage = usageOf(chunk.usage);
            const choice = chunk.choices?.[0];
            if (choice === undefined) continue;
            const delta = choice.delta;
            if (typeof delta?.content === 'string' && delta.content !== '') {
              text += delta.content;
              options.onDelta(delta.content);
            }
            if (typeof delta?.refusal === 'string') refusal += delta.refusal;
            if (choice.finish_reason) finish = choice.finish_reason;
          }
        } catch (error) {
          const mapped = mapProviderError(error, 'openai', errorContext(watchdog));
          const cut = mapped.llmCode === 'llm_timeout' ? mapped : new LlmError('llm_server_error', `the openai stream broke off after ${text.length} characters; try again`, { cause: error });
          cut.partial = { text, usage };
          throw cut;
        }
        // An aborted SDK stream may simply end: our timer stopped it.
        if (watchdog.timedOut) {
          const late = mapProviderError(new Error('aborted'), 'openai', errorContext(watchdog));
          late.partial = { text, usage: usage };
          throw late;
        }
        if (finish === undefined || finish === null) {
          const cut = new LlmError('llm_server_error', `the openai stream ended before the reply was complete (after ${text.length} characters); try again`);
          cut.partial = { text, usage };
          throw cut;
        }
        const result: LlmCallResult = { text, usage, stopReason: refusal !== '' ? 'refusal' : stopReasonOf(finish) };
        if (refusal !== '') result.refusal = refusal;
        return result;
      } catch (error) {
        throw mapProviderError(error, 'openai', errorContext(watchdog));
      } finally {
        watchdog.stop();
      }
    },
  };
}
