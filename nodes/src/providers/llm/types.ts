import type { LlmMessage } from '@nexusflow/engine';

export type LlmProviderName = 'openai' | 'anthropic';

/** How to reach one provider for one workspace. `openai` works with any OpenAI-compatible base URL. */
export interface LlmConnection {
  provider: LlmProviderName;
  apiKey: string;
  baseURL?: string;
  /** Time allowed for the first byte and the first token, and between two streamed chunks. Default 30 000 (below the step limit of core/llm, 60 000). */
  timeoutMs?: number;
  /** SDK retries of 408/409/429/5xx and connection errors (honouring retry-after). Default 2. */
  maxRetries?: number;
}

/** One model call as the adapter sends it. */
export interface LlmCallRequest {
  model: string;
  /** System messages go to Anthropic's `system`; the others keep their order. */
  messages: LlmMessage[];
  maxTokens: number;
  temperature?: number;
  /** Asks for a JSON object (OpenAI `response_format: json_object`; instructions only for Anthropic). */
  jsonMode?: boolean;
}

/** Token counts as the provider reported them; a missing field was not reported. */
export interface ReportedUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export type LlmStopReason = 'stop' | 'length' | 'refusal' | 'other';

export interface LlmCallResult {
  text: string;
  /** What the provider reported; fields it did not send are absent (B-04). */
  usage: ReportedUsage;
  stopReason: LlmStopReason;
  /** The provider's refusal text, when it refused (OpenAI `refusal`, Anthropic `stop_reason: refusal`). */
  refusal?: string;
}

export interface LlmCallOptions {
  /** Called with each text delta of a streamed reply, as it arrives. Streams when given. */
  onDelta?: (text: string) => void;
  signal?: AbortSignal;
}

/** One provider behind one interface: OpenAI (and compatibles) and Anthropic. */
export interface LlmAdapter {
  readonly provider: LlmProviderName;
  chat(request: LlmCallRequest, options?: LlmCallOptions): Promise<LlmCallResult>;
}
