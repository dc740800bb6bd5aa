import { ApiError } from './errors.js';
import { tokenStore } from './token.js';
import type {
  AppDeployment,
  ChannelCreateBody,
  ChannelUpdateBody,
  ChannelView,
  Contact,
  CreditBalance,
  Deployment,
  DeploymentCreateBody,
  ErrorDetail,
  Flow,
  FlowCreateBody,
  FlowDocument,
  FlowSummary,
  FlowUpdateBody,
  FlowVersion,
  HandoffAnswer,
  Items,
  LedgerEntry,
  LedgerQuery,
  LoginAnswer,
  LoginBody,
  Me,
  Member,
  MemberAddBody,
  Page,
  PageQuery,
  PaletteEntry,
  PluginInfo,
  PluginUploadBody,
  ProviderStatus,
  PublishBody,
  Role,
  SeqQuery,
  SessionDetail,
  SessionListQuery,
  SessionSummary,
  SignUpAnswer,
  SignUpBody,
  TraceEntry,
  TranscriptEntry,
  UsageQuery,
  UsageReport,
  WorkspaceSummary,
} from './types.js';

/** Where the REST API lives below the server's origin. */
export const API_PREFIX = '/api/v1';

export interface ApiClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000`; '' (the default) is the page's own origin. */
  baseUrl?: string;
  /** The bearer token to send; the localStorage token (`nexusflow.token`) by default. */
  getToken?: () => string | undefined | null;
  /**
   * Called when a request that carried a token answers 401 (expired, revoked, or its account is
   * gone). Clears the stored token by default, which signs the app out.
   */
  onUnauthorized?: (error: ApiError) => void;
  /** The fetch to use (tests); the global one by default. */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** Read the answer as text (exports) instead of JSON. */
  text?: boolean;
  signal?: AbortSignal;
}

/** Encodes one path segment (ids come from URLs and documents; never trust them into a path raw). */
const seg = (value: string) => encodeURIComponent(value);
const ws = (workspaceId: string) => `/workspaces/${seg(workspaceId)}`;

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function isErrorBody(value: unknown): value is { error: string; message: string; requestId?: string; details?: unknown } {
  const body = value as { error?: unknown; message?: unknown } | null;
  return typeof body === 'object' && body !== null && typeof body.error === 'string' && typeof body.message === 'string';
}

function detailsOf(value: unknown): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((d: unknown) => {
    const detail = d as { pointer?: unknown; message?: unknown; code?: unknown } | null;
    if (typeof detail !== 'object' || detail === null || typeof detail.message !== 'string') return [];
    const entry: ErrorDetail = { pointer: typeof detail.pointer === 'string' ? detail.pointer : '', message: detail.message };
    if (typeof detail.code === 'string') entry.code = detail.code;
    return [entry];
  });
}

async function errorFrom(response: Response): Promise<ApiError> {
  const retry = Number(response.headers.get('Retry-After'));
  const retryAfterSeconds = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  const headerRequestId = response.headers.get('X-Request-Id') ?? undefined;
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const extra = (requestId: string | undefined, details: ErrorDetail[] = []) => ({
    details,
    ...(requestId === undefined ? {} : { requestId }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
  if (isErrorBody(body)) {
    return new ApiError(response.status, body.error, body.message, extra(typeof body.requestId === 'string' ? body.requestId : headerRequestId, detailsOf(body.details)));
  }
  const status = `${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
  return new ApiError(response.status, 'http_error', `the server answered ${status} without an explanation; try again, or check that it is running`, extra(headerRequestId));
}

/** A file name for an exported flow, as the server's Content-Disposition names it. */
export const exportFileName = (flowId: string) => `${flowId.replace(/[^A-Za-z0-9_-]/g, '_')}.flow.json`;

/**
 * The typed client of the Nexus Flow REST API. Every method answers the route's JSON (or nothing
 * for 204) and throws `ApiError` for any error answer or network failure.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const getToken = options.getToken ?? (() => tokenStore.get());
  const onUnauthorized = options.onUnauthorized ?? (() => tokenStore.clear());
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = getToken() ?? undefined;
    if (token !== undefined && token !== '') headers.Authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    if (opts.signal !== undefined) init.signal = opts.signal;
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${API_PREFIX}${path}${queryString(opts.query)}`, init);
    } catch (error) {
      if ((error as { name?: unknown }).name === 'AbortError') throw error;
      throw new ApiError(0, 'network_error', `cannot reach the server (${(error as Error).message}); check your connection and try again`);
    }
    if (!response.ok) {
      const error = await errorFrom(response);
      if (response.status === 401 && headers.Authorization !== undefined) onUnauthorized(error);
      throw error;
    }
    if (opts.text === true) return (await response.text()) as T;
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'invalid_answer', `the server answered ${method} ${path} with something that is not JSON`);
    }
  }

  const get = <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>('GET', path, { ...(query === undefined ? {} : { query }), ...(signal === undefined ? {} : { signal }) });
  const send = <T>(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown = {}, query?: Query) =>
    request<T>(method, path, { body, ...(query === undefined ? {} : { query }) });
  const del = (path: string) => request<void>('DELETE', path);
  const page = (q: PageQuery | undefined): Query => ({ limit: q?.limit, cursor: q?.cursor });

  return {
    auth: {
      /** Creates an account and its first workspace; answers a token. */
      signup: (body: SignUpBody) => send<SignUpAnswer>('POST', '/auth/signup', body),
      /** Answers a token and the account's workspaces; 401 `invalid_credentials` when wrong. */
      login: (body: LoginBody) => send<LoginAnswer>('POST', '/auth/login', body),
      /** Exchanges the current (valid) token for a fresh one. */
      refresh: () => send<{ token: string }>('POST', '/auth/refresh'),
      me: (signal?: AbortSignal) => get<Me>('/me', undefined, signal),
    },
    workspaces: {
      list: () => get<Items<WorkspaceSummary>>('/workspaces'),
      create: (name: string) => send<WorkspaceSummary>('POST', '/workspaces', { name }),
      get: (workspaceId: string) => get<WorkspaceSummary>(ws(workspaceId)),
      rename: (workspaceId: string, name: string) => send<WorkspaceSummary>('PATCH', ws(workspaceId), { name }),
    },
    members: {
      list: (workspaceId: string) => get<Items<Member>>(`${ws(workspaceId)}/members`),
      add: (workspaceId: string, body: MemberAddBody) => send<Member>('POST', `${ws(workspaceId)}/members`, body),
      setRole: (workspaceId: string, userId: string, role: Role) => send<Member>('PATCH', `${ws(workspaceId)}/members/${seg(userId)}`, { role }),
      remove: (workspaceId: string, userId: string) => del(`${ws(workspaceId)}/members/${seg(userId)}`),
    },
    flows: {
      /** One page of flows (no documents). */
      list: (workspaceId: string, query?: PageQuery, signal?: AbortSignal) => get<Page<FlowSummary>>(`${ws(workspaceId)}/flows`, page(query), signal),
      get: (workspaceId: string, flowId: string, signal?: AbortSignal) => get<Flow>(`${ws(workspaceId)}/flows/${seg(flowId)}`, undefined, signal),
      /** A blank flow (name only) or one from a document (validated; 409 when its id is taken). */
      create: (workspaceId: string, body: FlowCreateBody) => send<Flow>('POST', `${ws(workspaceId)}/flows`, body),
      /** Saves the draft; pass the `revision` you read to refuse overwriting someone else's save (409). */
      update: (workspaceId: string, flowId: string, body: FlowUpdateBody) => send<Flow>('PUT', `${ws(workspaceId)}/flows/${seg(flowId)}`, body),
      delete: (workspaceId: string, flowId: string) => del(`${ws(workspaceId)}/flows/${seg(flowId)}`),
      /** Imports a flow file as a new flow; `replace` overwrites the flow with the same id. */
      import: (workspaceId: string, document: FlowDocument | Record<string, unknown>, opts: { replace?: boolean } = {}) =>
        send<Flow>('POST', `${ws(workspaceId)}/flows/import`, document, opts.replace === true ? { replace: true } : undefined),
      /** The exact bytes of the stable `nexusflow/flow@1` export, as text (save them as `exportFileName(flowId)`). */
      export: (workspaceId: string, flowId: string) => request<string>('GET', `${ws(workspaceId)}/flows/${seg(flowId)}/export`, { text: true }),
    },
    versions: {
      /** Publishes the saved draft as an immutable version. */
      publish: (workspaceId: string, flowId: string, body: PublishBody = {}) => send<FlowVersion>('POST', `${ws(workspaceId)}/flows/${seg(flowId)}/versions`, body),
      /** Newest first, without documents. */
      list: (workspaceId: string, flowId: string) => get<Items<FlowVersion>>(`${ws(workspaceId)}/flows/${seg(flowId)}/versions`),
      get: (workspaceId: string, versionId: string) => get<FlowVersion>(`${ws(workspaceId)}/versions/${seg(versionId)}`),
    },
    deployments: {
      list: (workspaceId: string, filter: { flowId?: string } = {}) => get<Items<Deployment>>(`${ws(workspaceId)}/deployments`, { flowId: filter.flowId }),
      get: (workspaceId: string, deploymentId: string) => get<Deployment>(`${ws(workspaceId)}/deployments/${seg(deploymentId)}`),
      create: (workspaceId: string, body: DeploymentCreateBody) => send<Deployment>('POST', `${ws(workspaceId)}/deployments`, body),
      /** Points the deployment at another version of its flow. */
      point: (workspaceId: string, deploymentId: string, versionId: string) =>
        send<Deployment>('PUT', `${ws(workspaceId)}/deployments/${seg(deploymentId)}/version`, { versionId }),
      /** Back to the version before the current one (409 `nothing_to_roll_back` when there is none). */
      rollback: (workspaceId: string, deploymentId: string) => send<Deployment>('POST', `${ws(workspaceId)}/deployments/${seg(deploymentId)}/rollback`),
      delete: (workspaceId: string, deploymentId: string) => del(`${ws(workspaceId)}/deployments/${seg(deploymentId)}`),
    },
    nodeTypes: {
      /** The palette: natives first, then plugin types. */
      list: (workspaceId: string, signal?: AbortSignal) => get<Items<PaletteEntry>>(`${ws(workspaceId)}/node-types`, undefined, signal),
    },
    plugins: {
      /** Built-in plugins and uploaded ones, each with its manifest. */
      list: (workspaceId: string, signal?: AbortSignal) => get<Items<PluginInfo>>(`${ws(workspaceId)}/plugins`, undefined, signal),
      /** Uploads a built plugin (400 `plugin_invalid` lists every problem in `details`). */
      upload: (workspaceId: string, body: PluginUploadBody) => send<PluginInfo>('POST', `${ws(workspaceId)}/plugins`, body),
      setEnabled: (workspaceId: string, name: string, enabled: boolean) => send<PluginInfo>('PATCH', `${ws(workspaceId)}/plugins/${seg(name)}`, { enabled }),
      delete: (workspaceId: string, name: string) => del(`${ws(workspaceId)}/plugins/${seg(name)}`),
    },
    sessions: {
      /** Conversations, newest activity first. */
      list: (workspaceId: string, query: SessionListQuery = {}, signal?: AbortSignal) =>
        get<Page<SessionSummary>>(`${ws(workspaceId)}/sessions`, { ...page(query), deploymentId: query.deploymentId, contactId: query.contactId }, signal),
      get: (workspaceId: string, sessionId: string, signal?: AbortSignal) => get<SessionDetail>(`${ws(workspaceId)}/sessions/${seg(sessionId)}`, undefined, signal),
      transcript: (workspaceId: string, sessionId: string, query: SeqQuery = {}, signal?: AbortSignal) =>
        get<Items<TranscriptEntry>>(`${ws(workspaceId)}/sessions/${seg(sessionId)}/transcript`, { afterSeq: query.afterSeq, limit: query.limit }, signal),
      trace: (workspaceId: string, sessionId: string, query: SeqQuery = {}, signal?: AbortSignal) =>
        get<Items<TraceEntry>>(`${ws(workspaceId)}/sessions/${seg(sessionId)}/trace`, { afterSeq: query.afterSeq, limit: query.limit }, signal),
      /** An operator takes the conversation over: the flow pauses for this contact. */
      takeOver: (workspaceId: string, sessionId: string) => send<HandoffAnswer>('POST', `${ws(workspaceId)}/sessions/${seg(sessionId)}/handoff`),
      /** Hands the conversation back to the flow. */
      handBack: (workspaceId: string, sessionId: string) => request<HandoffAnswer>('DELETE', `${ws(workspaceId)}/sessions/${seg(sessionId)}/handoff`),
      /** An operator's message (409 `handoff_required` unless taken over; 422 `channel_window_closed` outside WhatsApp's 24-hour window). */
      sendOperatorMessage: (workspaceId: string, sessionId: string, text: string) =>
        send<TranscriptEntry>('POST', `${ws(workspaceId)}/sessions/${seg(sessionId)}/messages`, { text }),
    },
    channels: {
      list: (workspaceId: string, signal?: AbortSignal) => get<Items<ChannelView>>(`${ws(workspaceId)}/channels`, undefined, signal),
      get: (workspaceId: string, connectionId: string) => get<ChannelView>(`${ws(workspaceId)}/channels/${seg(connectionId)}`),
      /** Creates a connection and starts it. */
      create: (workspaceId: string, body: ChannelCreateBody) => send<ChannelView>('POST', `${ws(workspaceId)}/channels`, body),
      update: (workspaceId: string, connectionId: string, body: ChannelUpdateBody) => send<ChannelView>('PATCH', `${ws(workspaceId)}/channels/${seg(connectionId)}`, body),
      start: (workspaceId: string, connectionId: string) => send<ChannelView>('POST', `${ws(workspaceId)}/channels/${seg(connectionId)}/start`),
      stop: (workspaceId: string, connectionId: string) => send<ChannelView>('POST', `${ws(workspaceId)}/channels/${seg(connectionId)}/stop`),
      delete: (workspaceId: string, connectionId: string) => del(`${ws(workspaceId)}/channels/${seg(connectionId)}`),
    },
    contacts: {
      list: (workspaceId: string, query?: PageQuery, signal?: AbortSignal) => get<Page<Contact>>(`${ws(workspaceId)}/contacts`, page(query), signal),
      get: (workspaceId: string, contactId: string, signal?: AbortSignal) => get<Contact>(`${ws(workspaceId)}/contacts/${seg(contactId)}`, undefined, signal),
    },
    apps: {
      /** Deployments of generated apps, newest first (one app's versions with `name`). */
      list: (workspaceId: string, filter: { name?: string } = {}, signal?: AbortSignal) => get<Items<AppDeployment>>(`${ws(workspaceId)}/apps`, { name: filter.name }, signal),
      get: (workspaceId: string, appDeploymentId: string) => get<AppDeployment>(`${ws(workspaceId)}/apps/${seg(appDeploymentId)}`),
      /** Serves this version of its app (rolls back or forward). */
      makeLive: (workspaceId: string, appDeploymentId: string) => send<AppDeployment>('POST', `${ws(workspaceId)}/apps/${seg(appDeploymentId)}/live`),
    },
    credits: {
      balance: (workspaceId: string, signal?: AbortSignal) => get<CreditBalance>(`${ws(workspaceId)}/credits`, undefined, signal),
      /** Credits used grouped by UTC day or by model; the last 30 days by default. */
      usage: (workspaceId: string, query: UsageQuery = {}, signal?: AbortSignal) =>
        get<UsageReport>(`${ws(workspaceId)}/credits/usage`, { by: query.by, from: query.from, to: query.to }, signal),
      /** Ledger entries, newest first. */
      ledger: (workspaceId: string, query: LedgerQuery = {}, signal?: AbortSignal) =>
        get<Page<LedgerEntry>>(`${ws(workspaceId)}/credits/ledger`, { ...page(query), kind: query.kind }, signal),
    },
    providers: {
      list: (workspaceId: string) => get<Items<ProviderStatus>>(`${ws(workspaceId)}/providers`),
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
