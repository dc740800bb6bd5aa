import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { queryKeys, useApi, usePaged } from './queries.js';
import type { ChannelCreateBody, ChannelStatus, ChannelStatusEvent, ChannelView, Handoff, HandoffAnswer, SessionDetail } from './types.js';

/**
 * Hooks for the pages that reach people (issue 6): channel connections with their live status,
 * contacts, operator handoff, and the generated apps' deployments.
 */

// ---------------------------------------------------------------- channel cache

/**
 * The newer of two statuses of one connection. Answers to start/stop and pushed `channel.status`
 * events race; the one that changed state last wins (a tie goes to `incoming`).
 */
export function newerStatus(current: ChannelStatus, incoming: ChannelStatus): ChannelStatus {
  return incoming.since >= current.since ? incoming : current;
}

/** The list with `view` put in place of the same connection (or added first), keeping the newer status. */
export function withChannel(list: readonly ChannelView[], view: ChannelView): ChannelView[] {
  const at = list.findIndex((c) => c.id === view.id);
  if (at === -1) return [view, ...list];
  const next = [...list];
  next[at] = { ...view, status: newerStatus((list[at] as ChannelView).status, view.status) };
  return next;
}

/** The list with a pushed status applied to its connection (unknown connections are ignored: a refetch brings them). */
export function withChannelStatus(list: readonly ChannelView[], event: ChannelStatusEvent): ChannelView[] {
  return list.map((c) => (c.id === event.connectionId ? { ...c, status: newerStatus(c.status, event.status) } : c));
}

/** Puts the connections the /studio socket answered into the cache (newer statuses kept). */
export function setChannels(queryClient: QueryClient, ws: string, items: readonly ChannelView[]): void {
  queryClient.setQueryData<ChannelView[]>(queryKeys.channels(ws), (list) =>
    items.map((item) => {
      const known = list?.find((c) => c.id === item.id);
      return known === undefined ? item : { ...item, status: newerStatus(known.status, item.status) };
    }),
  );
}

export function applyChannelStatus(queryClient: QueryClient, ws: string, event: ChannelStatusEvent): void {
  queryClient.setQueryData<ChannelView[]>(queryKeys.channels(ws), (list) => (list === undefined ? list : withChannelStatus(list, event)));
}

function putChannel(queryClient: QueryClient, ws: string, view: ChannelView): void {
  queryClient.setQueryData<ChannelView[]>(queryKeys.channels(ws), (list) => withChannel(list ?? [], view));
}

// ---------------------------------------------------------------- channels

/** The workspace's channel connections with their status (live once `useChannelStatusFeed` runs). */
export function useChannels(ws: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.channels(ws), queryFn: async ({ signal }) => (await api.channels.list(ws, signal)).items });
}

export function useCreateChannel(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (body: ChannelCreateBody) => api.channels.create(ws, body), onSuccess: (view) => putChannel(queryClient, ws, view) });
}

/** Starts (`run: true`) or stops a connection. */
export function useRunChannel(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, run }: { id: string; run: boolean }) => (run ? api.channels.start(ws, id) : api.channels.stop(ws, id)),
    onSuccess: (view) => putChannel(queryClient, ws, view),
  });
}

export function useDeleteChannel(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.channels.delete(ws, id),
    onSuccess: (_answer, id) => {
      queryClient.setQueryData<ChannelView[]>(queryKeys.channels(ws), (list) => list?.filter((c) => c.id !== id));
      void queryClient.invalidateQueries({ queryKey: queryKeys.channels(ws) });
    },
  });
}

// ---------------------------------------------------------------- contacts

/** Contacts of the workspace, a page at a time (`fetchNextPage` for more). */
export function useContacts(ws: string, pageSize = 50) {
  const api = useApi();
  return usePaged(queryKeys.contacts(ws), pageSize, (page, signal) => api.contacts.list(ws, page, signal));
}

export function useContact(ws: string, contactId: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.contact(ws, contactId), queryFn: ({ signal }) => api.contacts.get(ws, contactId, signal) });
}

/** One contact's conversations (one per deployment they talked to), a page at a time. */
export function useContactSessions(ws: string, contactId: string, pageSize = 50) {
  const api = useApi();
  return usePaged(queryKeys.contactSessions(ws, contactId), pageSize, (page, signal) => api.sessions.list(ws, { contactId, ...page }, signal));
}

// ---------------------------------------------------------------- handoff

/** The session with its takeover set (or ended, when `handoff` is absent). */
function withHandoff(session: SessionDetail | undefined, handoff: Handoff | undefined): SessionDetail | undefined {
  if (session === undefined) return undefined;
  const { handoff: _previous, ...rest } = session;
  return handoff === undefined || handoff === null ? rest : { ...rest, handoff };
}

/** Writes who holds a conversation now (a takeover answer or a pushed `handoff` event) into its cached session. */
export function setSessionHandoff(queryClient: QueryClient, ws: string, sessionId: string, handoff: Handoff | undefined): void {
  queryClient.setQueryData<SessionDetail>(queryKeys.session(ws, sessionId), (current) => withHandoff(current, handoff));
}

function putSession(queryClient: QueryClient, ws: string, sessionId: string, answer: HandoffAnswer | undefined): void {
  // The answer says who holds the conversation now; a refetch brings the rest of the session.
  if (answer?.id === sessionId) setSessionHandoff(queryClient, ws, sessionId, answer.handoff);
  void queryClient.invalidateQueries({ queryKey: queryKeys.session(ws, sessionId) });
}

/** Takes the conversation over (`take: true`) or hands it back to the flow. */
export function useHandoff(ws: string, sessionId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (take: boolean) => (take ? api.sessions.takeOver(ws, sessionId) : api.sessions.handBack(ws, sessionId)),
    onSuccess: (answer) => putSession(queryClient, ws, sessionId, answer),
  });
}

export function useSendOperatorMessage(ws: string, sessionId: string) {
  const api = useApi();
  return useMutation({ mutationFn: (text: string) => api.sessions.sendOperatorMessage(ws, sessionId, text) });
}

// ---------------------------------------------------------------- generated apps

/** Every deployment of the workspace's generated apps, newest first. */
export function useApps(ws: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.apps(ws), queryFn: async ({ signal }) => (await api.apps.list(ws, {}, signal)).items });
}

/** Serves another version of an app (rollback or forward). */
export function useMakeAppLive(ws: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api.apps.makeLive(ws, id), onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.apps(ws) }) });
}
