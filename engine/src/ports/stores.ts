import type { LlmMessage, OutboundMessage } from '../sdk/index.js';
import type { CapabilityContext } from '../session/types.js';

/** Per-contact conversation history (core/memory). Scoped by workspace and contact. */
export interface HistoryStore {
  load(workspaceId: string, contactId: string): Promise<LlmMessage[]>;
  /** Appends once per key: a re-run step does not duplicate turns. */
  append(workspaceId: string, contactId: string, messages: LlmMessage[], key: string): Promise<void>;
  clear(workspaceId: string, contactId: string): Promise<void>;
}

/** Plugin key-value storage, scoped by workspace and plugin; keys are opaque strings inside that scope. */
export interface KvStore {
  get(workspaceId: string, plugin: string, key: string): Promise<unknown>;
  set(workspaceId: string, plugin: string, key: string, value: unknown): Promise<void>;
  delete(workspaceId: string, plugin: string, key: string): Promise<void>;
}

/** Workspace secrets; unknown and forbidden names answer alike (S-16). */
export interface SecretStore {
  get(workspaceId: string, name: string): Promise<string | undefined>;
}

/** The session's channel, as the host sees it: whole messages, and token streams from LLM steps. */
export interface ChannelPort {
  /** Delivers once per `context.idempotencyKey` (plus a per-step sequence). */
  send(context: CapabilityContext, message: OutboundMessage, sequence: number): Promise<void>;
  /** Opens a stream of text deltas for one reply; `end` carries the full text. */
  stream?(context: CapabilityContext, sequence: number): ChannelStream;
}

export interface ChannelStream {
  write(delta: string): void;
  end(fullText: string): Promise<void>;
  abort(reason: string): void;
}

/** Where core/deploy puts a site: served by this server (`local`) or by a hosting platform (`platform`). */
export type DeployTargetName = 'local' | 'platform';

/** One checked `deploy.publish` call, as the host hands it to its hosting target. */
export interface DeployRequest {
  /** The site name, a DNS label (`my-site`). */
  name: string;
  /** Clean relative paths (no `..`, no duplicates) with their text contents. */
  files: { path: string; content: string }[];
  target: DeployTargetName;
  /**
   * Idempotency key of this call (the step's key plus the call number): stable across re-runs of
   * the step, so a target that persists it publishes once even across restarts.
   */
  key: string;
}

/** What a publish answers; `version` and `id` when the target records deployments. */
export interface DeployResult {
  url: string;
  status: string;
  version?: number;
  id?: string;
}

/** A hosting target for core/deploy (the server brings real ones). */
export interface DeployTarget {
  publish(context: CapabilityContext, request: DeployRequest): Promise<DeployResult>;
}
