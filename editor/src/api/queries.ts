import { createContext, createElement, useContext, type ReactNode } from 'react';
import { QueryClient, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from './client.js';
import { ApiError } from './errors.js';
import { tokenStore } from './token.js';
import type {
  DeploymentCreateBody,
  Flow,
  FlowCreateBody,
  FlowDocument,
  FlowSummary,
  FlowUpdateBody,
  LoginBody,
  Me,
  Page,
  PageQuery,
  PluginUploadBody,
  PublishBody,
  SignUpBody,
  TranscriptEntry,
  TraceEntry,
  UsageGrouping,
} from './types.js';

/** How often the credit balance refreshes on its own. */
export const CREDITS_REFETCH_MS = 10_000;

const ApiContext = createContext<ApiClient | undefined>(undefined);

/** Makes `client` the one the hooks below use. */
export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return createElement(ApiContext.Provider, { value: client }, children);
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (client === undefined) throw new Error('useApi needs an <ApiProvider client={createApiClient(...)}> above it');
  return client;
}

/** A QueryClient with the editor's defaults: client errors (4xx) are not retried, others twice. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (failures, error) => {
          if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
          return failures < 2;
        },
      },
      mutations: { retry: false },
    },
  });
}

/**
 * Query keys. Everything of a workspace sits below `['ws', id]`, so a workspace's cache can be
 * dropped at once; lists and single items have different prefixes so refreshing a list does not
 * refetch every open document.
 */
export const queryKeys = {
  me: ['me'] as const,
  workspace: (ws: string) => ['ws', ws] as const,
  flows: (ws: string) => ['ws', ws, 'flows'] as const,
  flow: (ws: string, flowId: string) => ['ws', ws, 'flow', flowId] as const,
  versions: (ws: string, flowId: string) => ['ws', ws, 'versions', flowId] as const,
  deployments: (ws: string, flowId?: string) => (flowId === undefined ? (['ws', ws, 'deployments'] as const) : (['ws', ws, 'deployments', flowId] as const)),
  nodeTypes: (ws: string) => ['ws', ws, 'node-types'] as const,
  plugins: (ws: string) => ['ws', ws, 'plugins'] as const,
  credits: (ws: string) => ['ws', ws, 'credits'] as const,
  usage: (ws: string, by: UsageGrouping, from?: string, to?: string) => ['ws', ws, 'usage', by, from ?? null, to ?? null] as const,
  ledger: (ws: string) => ['ws', ws, 'ledger'] as const,
  sessions: (ws: string) => ['ws', ws, 'sessions'] as const,
  session: (ws: string, sessionId: string) => ['ws', ws, 'session', sessionId] as const,
  transcript: (ws: string, sessionId: string) => ['ws', ws, 'transcript', sessionId] as const,
  trace: (ws: string, sessionId: string) => ['ws', ws, 'trace', sessionId] as const,
  members: (ws: string) => ['ws', ws, 'members'] as const,
  providers: (ws: string) => ['ws', ws, 'providers'] as const,
  channels: (ws: string) => ['ws', ws, 'channels'] as const,
  contacts: (ws: string) => ['ws', ws, 'contacts'] as const,
  contact: (ws: string, contactId: string) => ['ws', ws, 'contact', contactId] as const,
  contactSessions: (ws: string, contactId: string) => ['ws', ws, 'contact-sessions', contactId] as const,
  apps: (ws: string) => ['ws', ws, 'apps'] as const,
};

/** Most flows a list shows; the API pages by 200. */
const MAX_FLOW_PAGES = 25;
/** Transcript and trace pages (the API answers up to 1000 entries a call). */
const SEQ_PAGE = 1000;
const MAX_SEQ_PAGES = 20;

// ---------------------------------------------------------------- queries

/** The signed-in person and their workspaces (only while a token is stored). */
export function useMe(options: { enabled?: boolean } = {}) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.me, queryFn: ({ signal }) => api.auth.me(signal), enabled: options.enabled ?? true, staleTime: 30_000 });
}

/** Every flow of the workspace (summaries, newest first as the server orders them). */
export function useFlows(ws: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.flows(ws),
    queryFn: async ({ signal }) => {
      const all: FlowSummary[] = [];
      let cursor: string | undefined;
      for (let n = 0; n < MAX_FLOW_PAGES; n += 1) {
        const page = await api.flows.list(ws, { limit: 200, ...(cursor === undefined ? {} : { cursor }) }, signal);
        all.push(...page.items);
        cursor = page.next;
        if (cursor === undefined) break;
      }
      return all;
    },
  });
}

/** One flow with its draft document. */
export function useFlow(ws: string, flowId: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.flow(ws, flowId), queryFn: ({ signal }) => api.flows.get(ws, flowId, signal), staleTime: Infinity });
}

export function useVersions(ws: string, flowId: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.versions(ws, flowId), queryFn: async () => (await api.versions.list(ws, flowId)).items });
}

export function useDeployments(ws: string, flowId?: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.deployments(ws, flowId), queryFn: async () => (await api.deployments.list(ws, flowId === undefined ? {} : { flowId })).items });
}

/** The palette of the workspace. */
export function useNodeTypes(ws: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.nodeTypes(ws), queryFn: async ({ signal }) => (await api.nodeTypes.list(ws, signal)).items, staleTime: 60_000 });
}

export function usePlugins(ws: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.plugins(ws), queryFn: async ({ signal }) => (await api.plugins.list(ws, signal)).items });
}

/** The credit balance, refreshing on its own every 10 s. */
export function useCredits(ws: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.credits(ws), queryFn: ({ signal }) => api.credits.balance(ws, signal), refetchInterval: CREDITS_REFETCH_MS, staleTime: 0 });
}

/** Credits used by day or by model; the server's default range (the last 30 days) when from/to are absent. */
export function useUsage(ws: string, by: UsageGrouping, range: { from?: string; to?: string } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.usage(ws, by, range.from, range.to),
    queryFn: ({ signal }) => api.credits.usage(ws, { by, ...range }, signal),
    staleTime: 30_000,
  });
}

export function useLedger(ws: string, limit = 20) {
  const api = useApi();
  return useQuery({ queryKey: [...queryKeys.ledger(ws), limit], queryFn: ({ signal }) => api.credits.ledger(ws, { limit }, signal) });
}

/**
 * A cursor-paged list, `pageSize` items a page (`fetchNextPage` for more), cached under `key`
 * followed by the page size; `read` asks for one page.
 */
export function usePaged<T>(key: readonly unknown[], pageSize: number, read: (page: PageQuery, signal: AbortSignal) => Promise<Page<T>>) {
  return useInfiniteQuery({
    queryKey: [...key, pageSize],
    queryFn: ({ pageParam, signal }) => read({ limit: pageSize, ...(pageParam === undefined ? {} : { cursor: pageParam }) }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next,
  });
}

/** Conversations, newest activity first, a page at a time (`fetchNextPage` for more). */
export function useSessions(ws: string, pageSize = 50) {
  const api = useApi();
  return usePaged(queryKeys.sessions(ws), pageSize, (page, signal) => api.sessions.list(ws, page, signal));
}

export function useSession(ws: string, sessionId: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.session(ws, sessionId), queryFn: ({ signal }) => api.sessions.get(ws, sessionId, signal) });
}

async function allBySeq<T extends { seq: number }>(read: (afterSeq: number) => Promise<{ items: T[] }>): Promise<T[]> {
  const all: T[] = [];
  let afterSeq = 0;
  for (let n = 0; n < MAX_SEQ_PAGES; n += 1) {
    const { items } = await read(afterSeq);
    all.push(...items);
    const last = items[items.length - 1];
    if (items.length < SEQ_PAGE || last === undefined) break;
    afterSeq = last.seq;
  }
  return all;
}

/** Every message of a conversation, in order. */
export function useTranscript(ws: string, sessionId: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.transcript(ws, sessionId),
    queryFn: ({ signal }) => allBySeq<TranscriptEntry>((afterSeq) => api.sessions.transcript(ws, sessionId, { afterSeq, limit: SEQ_PAGE }, signal)),
  });
}

/** Every trace event of a conversation, in order (only when `enabled`). */
export function useTrace(ws: string, sessionId: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.trace(ws, sessionId),
    queryFn: ({ signal }) => allBySeq<TraceEntry>((afterSeq) => api.sessions.trace(ws, sessionId, { afterSeq, limit: SEQ_PAGE }, signal)),
    enabled,
  });
}

export function useMembers(ws: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.members(ws), queryFn: async () => (await api.members.list(ws)).items });
}

export function useProviders(ws: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.providers(ws), queryFn: async () => (await api.providers.list(ws)).items, staleTime: 60_000 });
}

// ---------------------------------------------------------------- mutations

/** Signs in; stores the token and primes `useMe` with the answer. */
export function useSignIn() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginBody) => api.auth.login(body),
    onSuccess: (answer) => {
      queryClient.removeQueries();
      tokenStore.set(answer.token);
      queryClient.setQueryData<Me>(queryKeys.me, { user: answer.user, workspaces: answer.workspaces });
    },
  });
}

/** Creates the account and its first workspace; stores the token. */
export function useSignUp() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SignUpBody) => api.auth.signup(body),
    onSuccess: (answer) => {
      queryClient.removeQueries();
      tokenStore.set(answer.token);
      queryClient.setQueryData<Me>(queryKeys.me, { user: answer.user, workspaces: [answer.workspace] });
    },
  });
}

export function useCreateWorkspace() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.workspaces.create(name),
    onSuccess: (workspace) => {
      queryClient.setQueryData<Me>(queryKeys.me, (me) => (me === undefined ? me : { ...me, workspaces: [...me.workspaces, workspace] }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}

export function useCreateFlow(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: FlowCreateBody) => api.flows.create(ws, body),
    onSuccess: (flow) => {
      queryClient.setQueryData(queryKeys.flow(ws, flow.id), flow);
      void queryClient.invalidateQueries({ queryKey: queryKeys.flows(ws) });
    },
  });
}

export function useImportFlow(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ document, replace }: { document: FlowDocument | Record<string, unknown>; replace?: boolean }) =>
      api.flows.import(ws, document, replace === undefined ? {} : { replace }),
    onSuccess: (flow) => {
      queryClient.setQueryData(queryKeys.flow(ws, flow.id), flow);
      void queryClient.invalidateQueries({ queryKey: queryKeys.flows(ws) });
    },
  });
}

/** Saves a flow (rename, or the whole draft); the answer replaces the cached flow. */
export function useUpdateFlow(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ flowId, ...body }: FlowUpdateBody & { flowId: string }) => api.flows.update(ws, flowId, body),
    onSuccess: (flow) => {
      queryClient.setQueryData<Flow>(queryKeys.flow(ws, flow.id), flow);
      queryClient.setQueryData<FlowSummary[]>(queryKeys.flows(ws), (list) => list?.map((f) => (f.id === flow.id ? { id: f.id, name: flow.name, revision: flow.revision, createdAt: flow.createdAt, updatedAt: flow.updatedAt } : f)));
      void queryClient.invalidateQueries({ queryKey: queryKeys.flows(ws) });
    },
  });
}

export function useDeleteFlow(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (flowId: string) => api.flows.delete(ws, flowId),
    onSuccess: (_answer, flowId) => {
      queryClient.removeQueries({ queryKey: queryKeys.flow(ws, flowId) });
      queryClient.setQueryData<FlowSummary[]>(queryKeys.flows(ws), (list) => list?.filter((f) => f.id !== flowId));
      void queryClient.invalidateQueries({ queryKey: queryKeys.flows(ws) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.deployments(ws) });
    },
  });
}

export function usePublishFlow(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ flowId, ...body }: PublishBody & { flowId: string }) => api.versions.publish(ws, flowId, body),
    onSuccess: (version) => void queryClient.invalidateQueries({ queryKey: queryKeys.versions(ws, version.flowId) }),
  });
}

export function useCreateDeployment(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: DeploymentCreateBody) => api.deployments.create(ws, body),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.deployments(ws) }),
  });
}

export function usePointDeployment(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ deploymentId, versionId }: { deploymentId: string; versionId: string }) => api.deployments.point(ws, deploymentId, versionId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.deployments(ws) }),
  });
}

export function useRollbackDeployment(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (deploymentId: string) => api.deployments.rollback(ws, deploymentId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.deployments(ws) }),
  });
}

/** Plugin changes change the palette too. */
function invalidatePlugins(queryClient: QueryClient, ws: string): void {
  void queryClient.invalidateQueries({ queryKey: queryKeys.plugins(ws) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.nodeTypes(ws) });
}

export function useUploadPlugin(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (body: PluginUploadBody) => api.plugins.upload(ws, body), onSuccess: () => invalidatePlugins(queryClient, ws) });
}

export function useSetPluginEnabled(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, enabled }: { name: string; enabled: boolean }) => api.plugins.setEnabled(ws, name, enabled),
    onSuccess: () => invalidatePlugins(queryClient, ws),
  });
}

export function useDeletePlugin(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (name: string) => api.plugins.delete(ws, name), onSuccess: () => invalidatePlugins(queryClient, ws) });
}
