import type { LlmConnection } from '@nexusflow/nodes';
import { startFakeLlmServer, type FakeLlmServer, type FakeRequest } from '@nexusflow/nodes/testing';
import type { ServerConfig } from '../config/config.js';
import { escapeHtml } from '../http/escape-html.js';

/** What the editor and `/api/v1/providers` show about one provider. */
export interface ProviderStatus {
  provider: 'openai' | 'anthropic';
  mode: 'live' | 'offline-demo';
  baseURL: string;
  /** Human sentence, e.g. "offline demo: replies come from the built-in demo model, no key is set". */
  description: string;
}

export interface LlmSetup {
  connection(provider: string): LlmConnection | undefined;
  status(): ProviderStatus[];
  close(): Promise<void>;
}

export const OFFLINE_DEMO_PREFIX = '[offline demo model]';

function lastUserText(request: FakeRequest): string {
  const messages = Array.isArray(request.body.messages) ? (request.body.messages as { role?: unknown; content?: unknown }[]) : [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join(' ');
  }
  return '';
}

/** What the demo model "builds" when a flow asks for app files (the app-builder example): a page showing the request. */
function demoApp(description: string): string {
  const shown = escapeHtml(description.slice(0, 500));
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo app</title><link rel="stylesheet" href="style.css"></head>
<body><main><h1>Your app goes here</h1><p>You asked for: <q>${shown}</q></p>
<p>This page comes from the offline demo model. Set OPENAI_API_KEY or ANTHROPIC_API_KEY and a real model writes the app.</p></main></body></html>
`;
  const css = 'body { font-family: system-ui, sans-serif; margin: 0; background: #0f172a; color: #e2e8f0; }\nmain { max-width: 40rem; margin: 4rem auto; padding: 0 1rem; }\nq { color: #7dd3fc; }\n';
  return JSON.stringify({ name: 'demo-app', summary: `${OFFLINE_DEMO_PREFIX} I made a placeholder page for your idea.`, files: [{ path: 'index.html', content: html }, { path: 'style.css', content: css }] });
}

/** The demo model's answer: says what it is, and echoes the question so a flow visibly works end to end. */
function demoReply(request: FakeRequest): string {
  const body = JSON.stringify(request.body);
  const wantsJson = body.includes('json');
  if (wantsJson && request.body.response_format !== undefined) return body.includes('files') && body.includes('path') ? demoApp(lastUserText(request)) : '{"answer":"offline demo"}';
  const question = lastUserText(request).slice(0, 200);
  return `${OFFLINE_DEMO_PREFIX} No LLM key is configured, so this reply comes from the built-in demo model. You said: "${question}". Set OPENAI_API_KEY or ANTHROPIC_API_KEY to talk to a real model.`;
}

/**
 * Connections to the LLM providers. A provider without a key (or every provider, with
 * `LLM_OFFLINE=1`) is served by the local provider-protocol server, started in-process, which
 * speaks the OpenAI and Anthropic wire protocols, streaming included; its replies say they are an
 * offline demo.
 */
export async function createLlmSetup(config: ServerConfig, options: { demoResponder?: (request: FakeRequest) => string } = {}): Promise<LlmSetup> {
  const live = config.offlineLlm ? {} : config.providers;
  let demo: FakeLlmServer | undefined;
  if (live.openai === undefined || live.anthropic === undefined) {
    demo = await startFakeLlmServer({ responder: options.demoResponder ?? demoReply });
  }
  const connections = new Map<string, LlmConnection>();
  const statuses: ProviderStatus[] = [];
  for (const provider of ['openai', 'anthropic'] as const) {
    const key = live[provider];
    if (key !== undefined) {
      connections.set(provider, key.baseURL === undefined ? { provider, apiKey: key.apiKey } : { provider, apiKey: key.apiKey, baseURL: key.baseURL });
      statuses.push({ provider, mode: 'live', baseURL: key.baseURL ?? (provider === 'openai' ? 'https://api.openai.com/v1' : 'https://api.anthropic.com'), description: `${provider}: live, with the configured key` });
    } else if (demo !== undefined) {
      const baseURL = provider === 'openai' ? demo.openaiBaseURL : demo.anthropicBaseURL;
      connections.set(provider, { provider, apiKey: 'offline-demo', baseURL, maxRetries: 0 });
      statuses.push({
        provider,
        mode: 'offline-demo',
        baseURL,
        description: `${provider}: offline demo; replies come from the built-in demo model because no ${provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'} is set`,
      });
    }
  }
  return {
    connection: (provider) => connections.get(provider),
    status: () => statuses.map((s) => ({ ...s })),
    close: async () => {
      await demo?.close();
    },
  };
}
