import { principalCan } from '../../auth/index.js';
import type { PageQuery, SessionInfo } from '../../store/types.js';
import type { RouteSpec } from '../route-spec.js';
import { principalOf, requireContact, requireSession } from './lookups.js';
import { pageQuery, queryString, seqQuery, withCursor } from './query.js';

const SESSIONS = '/workspaces/:workspaceId/sessions';
const CONTACTS = '/workspaces/:workspaceId/contacts';

const summary = (s: Omit<SessionInfo, 'record'>) => ({
  id: s.id,
  deploymentId: s.deploymentId,
  contactId: s.contactId,
  channel: s.channel,
  versionId: s.versionId,
  ...(s.handoff === undefined ? {} : { handoff: s.handoff }),
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

/** The engine's position of a conversation; its context (variables, node outputs) only for editors and above. */
function presentRecord(session: SessionInfo, withContext: boolean) {
  const record = session.record;
  if (record === undefined) return { status: 'new' as const };
  return {
    status: record.status,
    state: record.state,
    turn: record.turn,
    step: record.step,
    flowHash: record.flowHash,
    updatedAt: record.updatedAt,
    ...(record.lastError === undefined ? {} : { lastError: record.lastError }),
    ...(withContext ? { context: record.context } : {}),
  };
}

export const sessionRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: SESSIONS,
    summary: 'Conversations, newest activity first (?deploymentId&contactId&limit&cursor)',
    tag: 'sessions',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, req }) {
      const query: PageQuery & { deploymentId?: string; contactId?: string } = pageQuery(req);
      const deploymentId = queryString(req, 'deploymentId');
      const contactId = queryString(req, 'contactId');
      if (deploymentId !== undefined) query.deploymentId = deploymentId;
      if (contactId !== undefined) query.contactId = contactId;
      const page = await withCursor(query, () => ctx.store.sessions.list(workspaceId, query));
      return { items: page.items.map(summary), ...(page.next === undefined ? {} : { next: page.next }) };
    },
  },
  {
    method: 'get',
    path: `${SESSIONS}/:sessionId`,
    summary: "A conversation and where it stands (its variables for editors and above)",
    tag: 'sessions',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle(request) {
      const { ctx, workspaceId, params } = request;
      const session = await requireSession(ctx, workspaceId, params.sessionId ?? '');
      const withContext = principalCan(principalOf(request), { role: 'editor' }).ok;
      return { ...summary(session), ...presentRecord(session, withContext) };
    },
  },
  {
    method: 'get',
    path: `${SESSIONS}/:sessionId/transcript`,
    summary: 'Messages of a conversation in order (?afterSeq&limit)',
    tag: 'sessions',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params, req }) {
      const query = seqQuery(req);
      const session = await requireSession(ctx, workspaceId, params.sessionId ?? '');
      const entries = await ctx.store.transcripts.list(workspaceId, session.id, query);
      return { items: entries.map(({ workspaceId: _ws, sessionId: _s, key: _k, ...entry }) => entry) };
    },
  },
  {
    method: 'get',
    path: `${SESSIONS}/:sessionId/trace`,
    summary: 'Trace events of a conversation in order (?afterSeq&limit)',
    tag: 'sessions',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params, req }) {
      const query = seqQuery(req);
      const session = await requireSession(ctx, workspaceId, params.sessionId ?? '');
      const events = await ctx.store.traces.list(workspaceId, session.id, query);
      return { items: events.map((e) => ({ seq: e.seq, at: e.at, event: e.event })) };
    },
  },
  {
    method: 'get',
    path: CONTACTS,
    summary: 'Contacts who talked to the workspace (paginated: ?limit&cursor)',
    tag: 'contacts',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, req }) {
      const query = pageQuery(req);
      return withCursor(query, () => ctx.store.contacts.list(workspaceId, query));
    },
  },
  {
    method: 'get',
    path: `${CONTACTS}/:contactId`,
    summary: 'One contact with the variables flows collected',
    tag: 'contacts',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    handle: ({ ctx, workspaceId, params }) => requireContact(ctx, workspaceId, params.contactId ?? ''),
  },
];
