import type { API_BODY_SCHEMAS, FlowDocument, JsonSchema, PluginManifest } from '@nexusflow/schemas';

/**
 * Types of the REST API (`/api/v1`) as the editor uses it. Request bodies mirror
 * `API_BODY_SCHEMAS` of @nexusflow/schemas (the schemas the server validates with); the checks at
 * the end of this file fail to compile when a body type and its schema disagree on field names or
 * on which fields are required. Answers mirror the route handlers in server/src/http/routes/.
 * Times are epoch milliseconds unless a field says ISO.
 */

export type { FlowDocument, PluginManifest };

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';
export type ApiKeyScope = 'chat' | 'read' | 'write' | 'admin';
export type ChannelKind = 'web' | 'api' | 'studio' | 'whatsapp' | 'whatsapp-cloud';
export type LedgerEntryKind = 'purchase' | 'usage' | 'refund' | 'bonus' | 'adjustment';

/** One problem of a request: a JSON pointer into the body (or a query parameter name) and a sentence. */
export interface ErrorDetail {
  pointer: string;
  message: string;
  code?: string;
}

/** The one error shape of every API error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  requestId: string;
  details?: ErrorDetail[];
}

/** A paginated list: pass `next` back as `cursor` for the following page; absent on the last. */
export interface Page<T> {
  items: T[];
  next?: string;
}

export interface Items<T> {
  items: T[];
}

export interface PageQuery {
  /** 1..200, default 50. */
  limit?: number;
  cursor?: string;
}

// ---------------------------------------------------------------- request bodies

export interface SignUpBody {
  email: string;
  password: string;
  name: string;
  workspaceName?: string;
}

export interface LoginBody {
  email: string;
  password: string;
}

export interface WorkspaceCreateBody {
  name: string;
}

export interface WorkspaceUpdateBody {
  name: string;
}

export interface MemberAddBody {
  email: string;
  role: Role;
}

export interface MemberUpdateBody {
  role: Role;
}

export interface FlowCreateBody {
  name?: string;
  /** A nexusflow/flow@1 document; a blank flow with a trigger when absent. */
  document?: FlowDocument;
}

export interface FlowUpdateBody {
  name?: string;
  document?: FlowDocument;
  /** The revision you read; a save by someone else in between answers 409 `conflict`. */
  revision?: number;
}

export interface PublishBody {
  note?: string;
}

export interface DeploymentCreateBody {
  flowId: string;
  /** `^[a-z0-9][a-z0-9-]{0,62}$`, e.g. "support-bot". */
  key: string;
  name?: string;
  /** Defaults to the flow's newest version. */
  versionId?: string;
}

export interface DeploymentPointBody {
  versionId: string;
}

export interface PluginUploadBody {
  /** The plugin.json of a built plugin. */
  manifest: Record<string, unknown>;
  /** The bundle (one CommonJS file) the manifest names as `main`. */
  code: string;
  enabled?: boolean;
}

export interface PluginUpdateBody {
  enabled: boolean;
}

// ---------------------------------------------------------------- answers

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: number;
}

export interface WorkspaceSummary {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
}

export interface SignUpAnswer {
  token: string;
  user: User;
  workspace: WorkspaceSummary;
}

export interface LoginAnswer {
  token: string;
  user: User;
  workspaces: WorkspaceSummary[];
}

export interface Me {
  user: User;
  workspaces: WorkspaceSummary[];
}

export interface Member {
  userId: string;
  email?: string;
  name?: string;
  role: Role;
  createdAt: number;
}

export interface FlowSummary {
  id: string;
  name: string;
  revision: number;
  createdAt: number;
  updatedAt: number;
}

export interface Flow extends FlowSummary {
  document: FlowDocument;
}

export interface FlowVersion {
  id: string;
  flowId: string;
  /** 1, 2, 3 ... per flow. */
  version: number;
  hash: string;
  note?: string;
  createdBy: string;
  createdAt: number;
  /** Only when one version is read by id. */
  document?: FlowDocument;
}

export interface Deployment {
  id: string;
  workspaceId: string;
  flowId: string;
  key: string;
  name: string;
  versionId: string;
  /** What a web widget joins with (`pk_...`). */
  publishableKey: string;
  /** Every version this deployment pointed at, newest last. */
  history: { versionId: string; at: number; by: string }[];
  createdAt: number;
  updatedAt: number;
}

/** One node type of the palette, with its ports and config schema. */
export interface PaletteEntry {
  type: string;
  plugin: string;
  pluginVersion?: string;
  kind: 'native' | 'plugin';
  title: string;
  description: string;
  category: string;
  icon: string;
  /** Output ports for an empty config; the implicit `error` port is not listed. */
  ports: string[];
  /** True when the ports follow the config (a branch has one port per condition). */
  dynamicPorts: boolean;
  config: JsonSchema;
  capabilities: string[];
  limits?: { timeoutMs?: number; memoryMb?: number };
}

export interface PluginInfo {
  /** Absent for built-in plugins. */
  id?: string;
  name: string;
  version: string;
  description: string;
  builtIn: boolean;
  enabled: boolean;
  codeHash: string;
  nodeTypes: string[];
  manifest: PluginManifest;
  createdAt?: number;
  updatedAt?: number;
}

export interface SessionSummary {
  id: string;
  deploymentId: string;
  contactId: string;
  channel: ChannelKind;
  versionId: string;
  /** Set while an operator answers instead of the flow (the flow is paused for this contact). */
  handoff?: Handoff;
  createdAt: number;
  updatedAt: number;
}

export interface EngineErrorInfo {
  code: string;
  message: string;
  pointer?: string;
}

/** A conversation and where it stands; `context` only for editors and above. */
export interface SessionDetail extends SessionSummary {
  status: 'new' | 'idle' | 'parked' | 'running' | (string & {});
  state?: string;
  turn?: number;
  step?: number;
  flowHash?: string;
  lastError?: EngineErrorInfo;
  context?: Record<string, unknown>;
}

/** Who took a conversation over (a user id) and when. */
export interface Handoff {
  by: string;
  at: number;
}

/** The answer of taking over and handing back: who holds the conversation now (absent: the flow). */
export interface HandoffAnswer {
  id: string;
  handoff?: Handoff;
}

export interface SessionListQuery extends PageQuery {
  deploymentId?: string;
  contactId?: string;
}

export interface SeqQuery {
  afterSeq?: number;
  /** 1..1000. */
  limit?: number;
}

export type TranscriptRole = 'user' | 'bot' | 'operator' | 'system';

export interface TranscriptEntry {
  /** Order within the session, from 1. */
  seq: number;
  role: TranscriptRole;
  text: string;
  payload?: Record<string, unknown>;
  at: number;
}

/** One engine trace event (`turn.started`, `node.entered`, `node.port`, `node.error`, ...). */
export interface TraceEventInfo {
  type: string;
  [field: string]: unknown;
}

export interface TraceEntry {
  seq: number;
  at: number;
  event: TraceEventInfo;
}

export interface CreditBalance {
  balance: number;
  /** The balance minus open holds. */
  available: number;
}

export interface LedgerEntry {
  id: string;
  workspaceId: string;
  kind: LedgerEntryKind;
  /** Signed whole credits. */
  amount: number;
  balanceAfter: number;
  key: string;
  meta?: Record<string, unknown>;
  at: number;
}

export interface LedgerQuery extends PageQuery {
  kind?: LedgerEntryKind;
}

export type UsageGrouping = 'day' | 'model';

export interface UsageQuery {
  by?: UsageGrouping;
  /** ISO 8601 date or date-time; default 30 days before `to`. */
  from?: string;
  /** ISO 8601 date or date-time; default now. */
  to?: string;
}

export interface UsageRow {
  /** `YYYY-MM-DD` (UTC) by day, the model name by model. */
  group: string;
  credits: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

export interface UsageReport {
  by: UsageGrouping;
  /** ISO date-times of the range. */
  from: string;
  to: string;
  items: UsageRow[];
}

export interface ProviderStatus {
  provider: 'openai' | 'anthropic' | (string & {});
  mode: 'live' | 'offline-demo';
  baseURL: string;
  description: string;
}

// ---------------------------------------------------------------- channels, contacts, handoff, apps (issue 6)

/** The channel connections people create: a WhatsApp Web number (QR pairing) or a WhatsApp Cloud API number. */
export type ConnectionKind = 'whatsapp' | 'whatsapp-cloud';

/**
 * What a channel connection is doing (server/src/channels/types.ts): `stopped`, `starting`,
 * `waiting_for_qr` (scan `qrSvg`), `ready`, `disconnected` (reconnecting), `needs_qr` (logged out:
 * scan again), `failed` (`detail` says why).
 */
export type ChannelState = 'stopped' | 'starting' | 'waiting_for_qr' | 'ready' | 'disconnected' | 'needs_qr' | 'failed';

export interface ChannelStatus {
  state: ChannelState | (string & {});
  /** A sentence for people: why it is in this state, what to do. */
  detail?: string;
  /** `waiting_for_qr`: the QR code's text; `qrSvg` is the same drawn as SVG. */
  qr?: string;
  qrSvg?: string;
  since: number;
}

export interface WhatsAppWebConfig {
  /** Ignore messages in groups (default true). */
  ignoreGroups?: boolean;
  /** Ignore messages the account sends itself (default true). */
  ignoreOwn?: boolean;
}

export interface WhatsAppCloudConfig {
  phoneNumberId: string;
  verifyToken: string;
  appSecret: string;
  accessToken: string;
  /** Meta's Graph API when absent. */
  graphBaseUrl?: string;
}

/** A channel connection as the API shows it: secrets in `config` read "********". */
export interface ChannelView {
  id: string;
  deploymentId: string;
  kind: ConnectionKind;
  name: string;
  config: Record<string, unknown>;
  status: ChannelStatus;
  /** whatsapp-cloud: the callback URL to paste into Meta's webhook settings. */
  webhookUrl?: string;
  createdAt: number;
  updatedAt: number;
}

export type ChannelCreateBody =
  | { deploymentId: string; kind: 'whatsapp'; name: string; config?: WhatsAppWebConfig }
  | { deploymentId: string; kind: 'whatsapp-cloud'; name: string; config: WhatsAppCloudConfig };

export interface ChannelUpdateBody {
  name?: string;
  config?: Record<string, unknown>;
}

/** `channel.status` on the /studio socket after `channels.watch`. */
export interface ChannelStatusEvent {
  connectionId: string;
  status: ChannelStatus;
}

/** Someone who wrote in, on one channel. */
export interface Contact {
  id: string;
  workspaceId: string;
  channel: ChannelKind;
  /** The id on that channel (WhatsApp id, widget id, API user). */
  externalId: string;
  name?: string;
  /** Variables flows collected about them. */
  vars: Record<string, unknown>;
  firstSeenAt: number;
  lastSeenAt: number;
}

export interface OperatorMessageBody {
  text: string;
}

export type AppTarget = 'local' | 'platform';

/** One version of a generated app (`core/deploy`); `live` marks the version served now. */
export interface AppDeployment {
  id: string;
  workspaceId: string;
  name: string;
  version: number;
  target: AppTarget | (string & {});
  /** `pending`, `uploading`, `starting`, `live`, `failed`, `superseded`. */
  status: string;
  live: boolean;
  url?: string;
  files: { path: string; bytes: number }[];
  /** Target facts; `reason`/`error` when it failed. */
  detail: Record<string, unknown>;
  key: string;
  createdAt: number;
  updatedAt: number;
}

// ---------------------------------------------------------------- body/schema agreement (compile-time)

type Schemas = typeof API_BODY_SCHEMAS;
type PropertyNames<N extends keyof Schemas> = Schemas[N] extends { properties: infer P } ? keyof P : never;
type RequiredNames<N extends keyof Schemas> = Schemas[N] extends { required: readonly (infer R)[] } ? R : never;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Agrees<T, N extends keyof Schemas> = Same<keyof T, PropertyNames<N>> extends true ? Same<RequiredKeys<T>, RequiredNames<N>> : false;
type Assert<T extends true> = T;

/** Fails to compile when a body type above drifts from its schema in @nexusflow/schemas. */
export type BodySchemaAgreement = [
  Assert<Agrees<SignUpBody, 'SignUp'>>,
  Assert<Agrees<LoginBody, 'Login'>>,
  Assert<Agrees<WorkspaceCreateBody, 'WorkspaceCreate'>>,
  Assert<Agrees<WorkspaceUpdateBody, 'WorkspaceUpdate'>>,
  Assert<Agrees<MemberAddBody, 'MemberAdd'>>,
  Assert<Agrees<MemberUpdateBody, 'MemberUpdate'>>,
  Assert<Agrees<FlowCreateBody, 'FlowCreate'>>,
  Assert<Agrees<FlowUpdateBody, 'FlowUpdate'>>,
  Assert<Agrees<PublishBody, 'Publish'>>,
  Assert<Agrees<DeploymentCreateBody, 'DeploymentCreate'>>,
  Assert<Agrees<DeploymentPointBody, 'DeploymentPoint'>>,
  Assert<Agrees<PluginUploadBody, 'PluginUpload'>>,
  Assert<Agrees<PluginUpdateBody, 'PluginUpdate'>>,
  // The union's variants narrow `config` by kind; their common shape is what the schema lists.
  Assert<Agrees<{ deploymentId: string; kind: ConnectionKind; name: string; config?: Record<string, unknown> }, 'ChannelCreate'>>,
  Assert<ChannelCreateBody extends { deploymentId: string; kind: ConnectionKind; name: string; config?: object } ? true : false>,
  Assert<Agrees<ChannelUpdateBody, 'ChannelUpdate'>>,
  Assert<Agrees<OperatorMessageBody, 'OperatorMessage'>>,
];
