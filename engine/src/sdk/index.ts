/**
 * The plugin SDK: everything a plugin author imports. It holds types and identity helpers only,
 * so bundling it into a plugin adds a few bytes and no host code.
 *
 * @example
 * import { definePlugin, defineNode } from '@nexusflow/engine/sdk';
 *
 * export default definePlugin({
 *   nodes: {
 *     'acme/shout': defineNode<{ text: string }, 'out', 'channel'>({
 *       async run({ config }, ctx) {
 *         await ctx.channel.send({ text: config.text.toUpperCase() });
 *         return { port: 'out' };
 *       },
 *     }),
 *   },
 * });
 */

/** An inbound user message. */
export interface ChatMessage {
  text?: string;
  id?: string;
  [key: string]: unknown;
}

export interface Contact {
  id: string;
  [key: string]: unknown;
}

/** What `run` receives: a copy, so changing it changes nothing outside the step. */
export interface NodeInput<TConfig = Record<string, unknown>> {
  /** The node's config with its `{{ }}` templates already rendered. */
  config: TConfig;
  message: ChatMessage | null;
  vars: Record<string, unknown>;
  contact: Contact;
  node: { id: string; type: string };
}

/** What `run` returns: the port to leave through, data for later nodes, and variables to set. */
export interface NodeResult<TPort extends string = string> {
  /** May be left out when the node has exactly one port. */
  port?: TPort;
  /** Stored as `nodes.<id>.output`, readable by later templates. Plain JSON, at most 1 MiB. */
  output?: unknown;
  /** Merged into the session's variables. */
  vars?: Record<string, unknown>;
}

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface OutboundMessage {
  text?: string;
  buttons?: { title: string; payload?: string }[];
  media?: { url: string; type?: 'image' | 'audio' | 'video' | 'file' };
}

/** Every capability `ctx` can offer; a node gets only those its manifest declares. */
export interface Capabilities {
  llm: {
    chat(request: {
      provider?: string;
      model?: string;
      messages: LlmMessage[];
      stream?: boolean;
      json?: Record<string, unknown>;
      maxTokens?: number;
      temperature?: number;
    }): Promise<{ text: string; json?: unknown; usage: { inputTokens: number; outputTokens: number } }>;
  };
  memory: {
    /** This contact's history (oldest first, truncated to `maxTokens`, system messages kept) with the token count of what was kept (counted host-side with a real tokenizer). */
    history(options: { maxTokens?: number; withTokens: true }): Promise<{ messages: LlmMessage[]; tokens: number }>;
    /** This contact's history, oldest first, truncated to `maxTokens` (system messages kept). */
    history(options?: { maxTokens?: number }): Promise<LlmMessage[]>;
    append(messages: LlmMessage[]): Promise<void>;
    clear(): Promise<void>;
  };
  billing: {
    /** Credits the workspace can spend now (its balance less open holds). */
    balance(): Promise<number>;
    /** True when at least `credits` are available. */
    check(credits: number): Promise<boolean>;
    /** Worst-case credits of one model call: its input tokens and `maxTokens` of output, fee included. */
    estimate(request: { provider: string; model: string; messages?: LlmMessage[]; maxTokens: number }): Promise<number>;
  };
  channel: {
    send(message: OutboundMessage): Promise<void>;
  };
  kv: {
    get(key: string): Promise<unknown>;
    set(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<void>;
  };
  deploy: {
    /** `target` defaults to `local` (served by this server); `platform` is the configured hosting platform. */
    publish(request: { name: string; files: { path: string; content: string }[]; target?: 'local' | 'platform' }): Promise<{ url: string; status: string; version?: number; id?: string }>;
  };
  secrets: {
    get(name: string): Promise<string | undefined>;
  };
  /** Present when the node declares at least one `http:<host>` capability; only those hosts answer. */
  http: {
    fetch(
      url: string,
      init?: {
        method?: string;
        headers?: Record<string, string>;
        body?: string;
        /** Hosts this call may reach, for nodes declaring `http:*` (the built-in core/http). */
        allowedHosts?: string[];
        timeoutMs?: number;
        maxResponseBytes?: number;
        followRedirects?: boolean;
      },
    ): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  };
}

export type CapabilityKey = keyof Capabilities;

/** `ctx` of a node that declared the capabilities `TCaps`. */
export type NodeContext<TCaps extends CapabilityKey = never> = Pick<Capabilities, TCaps>;

export interface NodeDefinition<TConfig = Record<string, unknown>, TPort extends string = string, TCaps extends CapabilityKey = never> {
  run(input: NodeInput<TConfig>, ctx: NodeContext<TCaps>): NodeResult<TPort> | Promise<NodeResult<TPort>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNodeDefinition = NodeDefinition<any, string, any>;

export interface PluginDefinition {
  nodes: Record<string, AnyNodeDefinition>;
}

/**
 * Types a node's `run`: its config, the ports it may return and the capabilities `ctx` has.
 * Returns its argument unchanged. Declare the same ports and capabilities in `plugin.json`.
 *
 * @example
 * defineNode<{ minCredits: number }, 'ok' | 'insufficient', 'billing'>({
 *   async run({ config }, ctx) {
 *     return (await ctx.billing.balance()) >= config.minCredits ? { port: 'ok' } : { port: 'insufficient' };
 *   },
 * });
 */
export function defineNode<TConfig = Record<string, unknown>, TPort extends string = 'out', TCaps extends CapabilityKey = never>(
  definition: NodeDefinition<TConfig, TPort, TCaps>,
): NodeDefinition<TConfig, TPort, TCaps> {
  return definition;
}

/**
 * The default export of a plugin's entry file: its nodes by type id. Returns its argument unchanged.
 *
 * @example
 * export default definePlugin({ nodes: { 'acme/shout': shout } });
 */
export function definePlugin<T extends PluginDefinition>(plugin: T): T {
  return plugin;
}
