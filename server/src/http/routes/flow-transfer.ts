import { SUPPORTED_FLOW_FORMATS, serializeFlow } from '@nexusflow/schemas';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { FLOWS, FLOW_BODY_LIMIT, createFlow, flowIdTaken, presentFlow } from './flows.js';
import { compileForWorkspace, requireFlow } from './lookups.js';
import { queryBoolean } from './query.js';

/**
 * Import and export of flow documents. Export is the stable serialization of @nexusflow/schemas:
 * the same flow always exports to the same bytes, and importing an export then exporting again
 * gives them back.
 */

/** Refuses formats this version cannot read (and, once the schemas package ships migrations, cannot migrate). */
function checkFormat(document: Record<string, unknown>): void {
  const format = document.format;
  if (typeof format === 'string' && SUPPORTED_FLOW_FORMATS.includes(format)) return;
  const supported = SUPPORTED_FLOW_FORMATS.join(', ');
  const message = format === undefined ? `is missing; this server reads ${supported}` : `${JSON.stringify(format)} is not a format this server reads; it reads ${supported}`;
  throw new ApiError(400, 'unsupported_format', `the document's "format" ${message}`, [{ pointer: '/format', message }]);
}

/** `<id>.flow.json`, with anything outside the id alphabet replaced (ids are validated; this is belt and braces). */
const fileName = (id: string) => `${id.replace(/[^A-Za-z0-9_-]/g, '_')}.flow.json`;

export const flowTransferRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: `${FLOWS}/import`,
    summary: 'Import a flow document as a new flow (?replace=true overwrites a flow with the same id)',
    tag: 'flows',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    body: 'FlowImport',
    bodyLimit: FLOW_BODY_LIMIT,
    status: 201,
    async handle({ ctx, workspaceId, body, req, res }) {
      const replace = queryBoolean(req, 'replace') ?? false;
      checkFormat(body as Record<string, unknown>);
      const document = (await compileForWorkspace(ctx, workspaceId, body, '')).flow;
      const existing = await ctx.store.flows.get(workspaceId, document.id);
      if (existing === undefined) return presentFlow(await createFlow(ctx, workspaceId, document));
      if (!replace) throw flowIdTaken(document.id);
      const updated = await ctx.store.flows.update(workspaceId, existing.id, { name: document.name, document }, existing.revision);
      if (updated === undefined) throw notFound(`flow "${existing.id}"`);
      res.status(200).json(presentFlow(updated));
      return undefined;
    },
  },
  {
    method: 'get',
    path: `${FLOWS}/:flowId/export`,
    summary: 'Download the draft as a stable nexusflow/flow@1 file',
    tag: 'flows',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params, res }) {
      const flow = await requireFlow(ctx, workspaceId, params.flowId ?? '');
      const text = serializeFlow(flow.document);
      res.status(200);
      // JSON is UTF-8 by definition (RFC 8259); no charset parameter.
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Content-Disposition', `attachment; filename="${fileName(flow.id)}"`);
      res.send(Buffer.from(text, 'utf8'));
      return undefined;
    },
  },
];
