import { createAnthropicAdapter } from './anthropic-adapter.js';
import { createOpenAiAdapter } from './openai-adapter.js';
import type { LlmAdapter, LlmConnection } from './types.js';

const MAX_CACHED_CLIENTS = 256;
const cache = new Map<string, LlmAdapter>();

/** The adapter of a connection; SDK clients are reused per connection (keep-alive, no setup per call). */
export function adapterFor(connection: LlmConnection): LlmAdapter {
  const key = JSON.stringify([connection.provider, connection.apiKey, connection.baseURL ?? '', connection.timeoutMs ?? 0, connection.maxRetries ?? -1]);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const adapter = connection.provider === 'anthropic' ? createAnthropicAdapter(connection) : createOpenAiAdapter(connection);
  if (cache.size >= MAX_CACHED_CLIENTS) cache.delete(cache.keys().next().value as string);
  cache.set(key, adapter);
  return adapter;
}
