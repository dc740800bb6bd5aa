import { defineNode, type LlmMessage } from '@nexusflow/engine/sdk';

export interface LlmNodeConfig {
  /** Connection name of the workspace: `openai`, `anthropic`, or an OpenAI-compatible one. */
  provider?: string;
  model: string;
  /** Already rendered by the engine ({{ }} templates). */
  system?: string;
  temperature?: number;
  maxTokens?: number;
  /** The contact's conversation history: on, or on and truncated to `maxTokens`. */
  memory?: boolean | { maxTokens?: number };
  /** Streams tokens to the channel as they arrive (the host does it, not this code). */
  stream?: boolean;
  /** Asks for JSON matching `schema`; the parsed value lands in `output.json`. */
  json?: { schema?: Record<string, unknown> };
}

export const DEFAULT_MEMORY_TOKENS = 2000;

/**
 * Asks a model for a reply to the inbound message, with the system prompt and, when enabled, the
 * contact's history; sends the reply to the channel (streamed by the host, or sent here), except in
 * JSON mode, where the answer is only the node's output.
 */
export const llm = defineNode<LlmNodeConfig, 'out', 'llm' | 'memory' | 'channel'>({
  async run({ config, message }, ctx) {
    const messages: LlmMessage[] = [];
    if (config.system !== undefined && config.system !== '') messages.push({ role: 'system', content: config.system });
    const memory = config.memory === true ? { maxTokens: DEFAULT_MEMORY_TOKENS } : config.memory === false || config.memory === undefined ? undefined : config.memory;
    if (memory !== undefined) {
      const history = await ctx.memory.history({ maxTokens: memory.maxTokens ?? DEFAULT_MEMORY_TOKENS });
      for (const m of history) if (m.role !== 'system') messages.push(m);
    }
    const text = typeof message?.text === 'string' ? message.text : '';
    const user: LlmMessage = { role: 'user', content: text };
    if (text !== '') messages.push(user);
    const stream = config.stream === true;
    const request: Parameters<typeof ctx.llm.chat>[0] = { model: config.model, messages, stream };
    if (config.provider !== undefined) request.provider = config.provider;
    if (config.maxTokens !== undefined) request.maxTokens = config.maxTokens;
    if (config.temperature !== undefined) request.temperature = config.temperature;
    const schema = config.json?.schema;
    if (config.json !== undefined) request.json = schema ?? { type: 'object' };
    const reply = await ctx.llm.chat(request);
    if (memory !== undefined) {
      const turn: LlmMessage[] = text === '' ? [] : [user];
      turn.push({ role: 'assistant', content: reply.text });
      await ctx.memory.append(turn);
    }
    // The host streams the reply straight to the channel when it can; otherwise it is sent here.
    // A JSON answer is data for the next nodes (files to deploy, fields to branch on), not a message.
    const streamed = (reply as { streamed?: unknown }).streamed === true;
    if (!streamed && reply.text !== '' && config.json === undefined) await ctx.channel.send({ text: reply.text.slice(0, 4096) });
    return { port: 'out', output: { text: reply.text, json: reply.json, usage: reply.usage } };
  },
});
