import { randomBytes } from 'node:crypto';
import { FLOW_FORMAT, type FlowDocument } from '@nexusflow/schemas';
import type { AppContext } from '../../app-context.js';
import { StoreError } from '../../store/errors.js';
import type { Flow } from '../../store/types.js';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { compileForWorkspace, requireFlow } from './lookups.js';
import { pageQuery, withCursor } from './query.js';

export const FLOWS = '/workspaces/:workspaceId/flows';
/** Flows of thousands of nodes are more than the default 1 MB of JSON. */
export const FLOW_BODY_LIMIT = '5mb';

const summary = (flow: Omit<Flow, 'document'>) => ({ id: flow.id, name: flow.name, revision: flow.revision, createdAt: flow.createdAt, updatedAt: flow.updatedAt });
export const presentFlow = (flow: Flow) => ({ ...summary(flow), document: flow.document });

export function flowIdTaken(id: string): ApiError {
  return new ApiError(409, 'conflict', `a flow with id "${id}" already exists in this workspace; change the document's "id", or import with ?replace=true to overwrite it`, [
    { pointer: '/id', message: 'already used by another flow' },
  ]);
}

/** Creates the flow; a clash on the id (a concurrent create) answers 409 like the check before it. */
export async function createFlow(ctx: AppContext, workspaceId: string, document: FlowDocument): Promise<Flow> {
  try {
    return await ctx.store.flows.create(workspaceId, { id: document.id, name: document.name, document });
  } catch (error) {
    if (error instanceof StoreError && error.code === 'conflict') throw flowIdTaken(document.id);
    throw error;
  }
}

/** A readable, unused flow id from a name: "Support bot" gives `support-bot`, then `support-bot-2` ... */
async function freeFlowId(ctx: AppContext, workspaceId: string, name: string): Promise<string> {
  const base = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'flow';
  for (let n = 1; n <= 20; n += 1) {
    const id = n === 1 ? base : `${base}-${n}`;
    if ((await ctx.store.flows.get(workspaceId, id)) === undefined) return id;
  }
  return `${base}-${randomBytes(6).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
}

/** A new flow with nothing but its trigger. */
export function blankFlow(id: string, name: string): FlowDocument {
  return { format: FLOW_FORMAT, id, name, nodes: [{ id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} }], edges: [] };
}

interface FlowCreateBody {
  name?: string;
  document?: Record<string, unknown>;
}

interface FlowUpdateBody {
  name?: string;
  document?: Record<string, unknown>;
  revision?: number;
}

export const flowRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: FLOWS,
    summary: 'Flows of the workspace, without their documents (paginated: ?limit&cursor)',
    tag: 'flows',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, req }) {
      const query = pageQuery(req);
      const page = await withCursor(query, () => ctx.store.flows.list(workspaceId, query));
      return { items: page.items.map(summary), ...(page.next === undefined ? {} : { next: page.next }) };
    },
  },
  {
    method: 'post',
    path: FLOWS,
    summary: 'Create a flow from a document (validated), or a blank flow with a trigger',
    tag: 'flows',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    body: 'FlowCreate',
    bodyLimit: FLOW_BODY_LIMIT,
    status: 201,
    async handle({ ctx, workspaceId, body }) {
      const input = body as FlowCreateBody;
      let document: FlowDocument;
      if (input.document === undefined) {
        const name = input.name ?? 'Untitled flow';
        document = blankFlow(await freeFlowId(ctx, workspaceId, name), name);
      } else {
        // The body's name wins and is written into the document, so the two never disagree.
        const given = input.name === undefined ? input.document : { ...input.document, name: input.name };
        document = (await compileForWorkspace(ctx, workspaceId, given, '/document')).flow;
        if ((await ctx.store.flows.get(workspaceId, document.id)) !== undefined) throw flowIdTaken(document.id);
      }
      return presentFlow(await createFlow(ctx, workspaceId, document));
    },
  },
  {
    method: 'get',
    path: `${FLOWS}/:flowId`,
    summary: 'A flow with its draft document',
    tag: 'flows',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId, params }) {
      return presentFlow(await requireFlow(ctx, workspaceId, params.flowId ?? ''));
    },
  },
  {
    method: 'put',
    path: `${FLOWS}/:flowId`,
    summary: 'Save the draft (validated); pass the revision you read to refuse overwriting a newer save',
    tag: 'flows',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    body: 'FlowUpdate',
    bodyLimit: FLOW_BODY_LIMIT,
    async handle({ ctx, workspaceId, params, body }) {
      const input = body as FlowUpdateBody;
      const flow = await requireFlow(ctx, workspaceId, params.flowId ?? '');
      if (input.revision !== undefined && input.revision !== flow.revision) {
        throw new ApiError(409, 'conflict', `the flow was saved by someone else since you read it (revision ${flow.revision}, you sent ${input.revision}); reload it and apply your change again`);
      }
      let document: FlowDocument = flow.document;
      if (input.document !== undefined) {
        const given = input.name === undefined ? input.document : { ...input.document, name: input.name };
        document = (await compileForWorkspace(ctx, workspaceId, given, '/document')).flow;
        if (document.id !== flow.id) {
          throw new ApiError(400, 'invalid_request', `the document's id must stay "${flow.id}"; to save it under "${document.id}", create or import it as a new flow`, [
            { pointer: '/document/id', message: `must be "${flow.id}"` },
          ]);
        }
      } else if (input.name !== undefined) {
        document = { ...flow.document, name: input.name };
      }
      // Without a revision from the client, the one read here still guards the read-modify-write.
      const updated = await ctx.store.flows.update(workspaceId, flow.id, { name: document.name, document }, input.revision ?? flow.revision);
      if (updated === undefined) throw notFound(`flow "${flow.id}"`);
      return presentFlow(updated);
    },
  },
  {
    method: 'delete',
    path: `${FLOWS}/:flowId`,
    summary: 'Delete a flow with its versions and deployments (conversations and the ledger stay)',
    tag: 'flows',
    access: { kind: 'workspace', role: 'editor', scope: 'write' },
    async handle({ ctx, workspaceId, params }) {
      const flowId = params.flowId ?? '';
      if (!(await ctx.store.flows.delete(workspaceId, flowId))) throw notFound(`flow "${flowId}"`);
      return undefined;
    },
  },
];
