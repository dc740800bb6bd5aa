import { randomUUID } from 'node:crypto';
import type { LedgerEntry, LedgerEntryKind } from '@nexusflow/engine';
import type { PageQuery } from '../../store/types.js';
import type { RouteSpec } from '../route-spec.js';
import { invalidParameter, pageQuery, queryEnum, queryTime, withCursor } from './query.js';

const CREDITS = '/workspaces/:workspaceId/credits';
const DAY_MS = 24 * 60 * 60 * 1000;
const LEDGER_KINDS: readonly LedgerEntryKind[] = ['purchase', 'usage', 'refund', 'bonus', 'adjustment'];

interface TopUpBody {
  amount: number;
  idempotencyKey: string;
  kind?: Exclude<LedgerEntryKind, 'usage'>;
  note?: string;
}

/**
 * Meta for a ledger write that can tell, afterwards, whether this call wrote the entry: the ledger
 * answers the earlier entry for a key it has seen, and only the call that wrote it finds its own
 * `writeId` there. (Not the request id: clients and proxies may send the same X-Request-Id again.)
 */
export function ledgerWrite(meta: Record<string, unknown>): { meta: Record<string, unknown>; wrote(entry: LedgerEntry): boolean } {
  const writeId = randomUUID();
  return { meta: { ...meta, writeId }, wrote: (entry) => entry.meta?.writeId === writeId };
}

export const creditRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: CREDITS,
    summary: 'Credit balance, and what is available after open holds',
    tag: 'credits',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    handle: ({ ctx, workspaceId }) => ctx.store.ledger.balance(workspaceId),
  },
  {
    method: 'get',
    path: `${CREDITS}/ledger`,
    summary: 'Ledger entries, newest first (?kind&limit&cursor)',
    tag: 'credits',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, req }) {
      const query: PageQuery & { kind?: LedgerEntryKind } = pageQuery(req);
      const kind = queryEnum(req, 'kind', LEDGER_KINDS);
      if (kind !== undefined) query.kind = kind;
      return withCursor(query, () => ctx.store.ledger.page(workspaceId, query));
    },
  },
  {
    method: 'get',
    path: `${CREDITS}/usage`,
    summary: 'Credits used, grouped by UTC day or by model (?by=day|model&from=ISO&to=ISO; default the last 30 days)',
    tag: 'credits',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, req }) {
      const by = queryEnum(req, 'by', ['day', 'model'] as const) ?? 'day';
      const to = queryTime(req, 'to') ?? ctx.now();
      const from = queryTime(req, 'from') ?? to - 30 * DAY_MS;
      if (from >= to) throw invalidParameter('from', `must be before "to" (${new Date(to).toISOString()})`);
      const items = await ctx.store.ledger.usage(workspaceId, by, { from, to });
      return { by, from: new Date(from).toISOString(), to: new Date(to).toISOString(), items };
    },
  },
  {
    method: 'post',
    path: `${CREDITS}/top-ups`,
    summary: 'Add credits; the same idempotencyKey applies once and answers the same entry',
    tag: 'credits',
    access: { kind: 'workspace', role: 'owner', scope: 'admin' },
    body: 'TopUp',
    status: 201,
    async handle({ ctx, workspaceId, body, actor, req, res }) {
      const input = body as TopUpBody;
      const write = ledgerWrite({ by: actor, requestId: req.id, ...(input.note === undefined ? {} : { note: input.note }) });
      const entry = await ctx.store.ledger.adjust(workspaceId, `topup:${input.idempotencyKey}`, input.kind ?? 'purchase', input.amount, write.meta);
      if (write.wrote(entry)) return entry;
      res.status(200).json(entry);
      return undefined;
    },
  },
];
