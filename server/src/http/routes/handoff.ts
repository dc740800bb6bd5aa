import { NexusError } from '@nexusflow/engine';
import { ApiError } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { requireSession } from './lookups.js';

const SESSION = '/workspaces/:workspaceId/sessions/:sessionId';

/** Operator refusals as HTTP answers: what happened and what to do. */
const STATUS: Record<string, number> = { handoff_required: 409, channel_window_closed: 422, channel_rate_limited: 429, channel_unavailable: 503, channel_send_failed: 502 };

function asApiError(error: unknown): unknown {
  if (error instanceof NexusError && STATUS[error.code] !== undefined) return new ApiError(STATUS[error.code] ?? 500, error.code, error.message);
  return error;
}

const presentSession = (s: { id: string; handoff?: { by: string; at: number } }) => ({ id: s.id, ...(s.handoff === undefined ? {} : { handoff: s.handoff }) });

export const handoffRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: `${SESSION}/handoff`,
    summary: 'An operator takes the conversation over: the flow pauses for this contact until handed back',
    tag: 'sessions',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    async handle({ ctx, workspaceId, params, actor }) {
      const session = await requireSession(ctx, workspaceId, params.sessionId ?? '');
      return presentSession(await ctx.operators.takeOver(session, actor));
    },
  },
  {
    method: 'delete',
    path: `${SESSION}/handoff`,
    summary: 'Hands the conversation back to the flow',
    tag: 'sessions',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    async handle({ ctx, workspaceId, params }) {
      const session = await requireSession(ctx, workspaceId, params.sessionId ?? '');
      return presentSession(await ctx.operators.handBack(session));
    },
  },
  {
    method: 'post',
    path: `${SESSION}/messages`,
    summary: "An operator's answer, sent on the contact's channel and kept in the transcript and the contact's memory",
    tag: 'sessions',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    body: 'OperatorMessage',
    status: 201,
    async handle({ ctx, workspaceId, params, body, actor }) {
      const session = await requireSession(ctx, workspaceId, params.sessionId ?? '');
      try {
        const entry = await ctx.operators.send(session, actor, (body as { text: string }).text);
        return { seq: entry.seq, role: entry.role, text: entry.text, at: entry.at };
      } catch (error) {
        throw asApiError(error);
      }
    },
  },
];
