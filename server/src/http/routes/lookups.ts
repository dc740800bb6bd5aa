import { compileFlow, type CompiledFlow } from '@nexusflow/engine';
import type { Principal } from '../../auth/index.js';
import type { AppContext } from '../../app-context.js';
import type { Contact, Deployment, Flow, FlowVersion, SessionInfo, StoredPlugin } from '../../store/types.js';
import { flowInvalid, notFound } from '../api-error.js';
import type { RouteRequest } from '../route-spec.js';

/**
 * Id lookups of the routes. Every lookup goes through the store with the path's workspace, so an
 * id of another workspace is simply not found (404), with the same answer as an id that never
 * existed.
 */

/** The principal of a workspace route (app.ts authorized it before the handler ran). */
export function principalOf(request: RouteRequest): Principal {
  if (request.principal === undefined) throw new Error(`route ${request.req.method} ${request.req.path} has no principal; declare it with workspace access`);
  return request.principal;
}

export async function requireFlow(ctx: AppContext, workspaceId: string, flowId: string): Promise<Flow> {
  const flow = await ctx.store.flows.get(workspaceId, flowId);
  if (flow === undefined) throw notFound(`flow "${flowId}"`);
  return flow;
}

export async function requireVersion(ctx: AppContext, workspaceId: string, versionId: string): Promise<FlowVersion> {
  const version = await ctx.store.versions.get(workspaceId, versionId);
  if (version === undefined) throw notFound(`flow version "${versionId}"`);
  return version;
}

export async function requireDeployment(ctx: AppContext, workspaceId: string, deploymentId: string): Promise<Deployment> {
  const deployment = await ctx.store.deployments.get(workspaceId, deploymentId);
  if (deployment === undefined) throw notFound(`deployment "${deploymentId}"`);
  return deployment;
}

export async function requireSession(ctx: AppContext, workspaceId: string, sessionId: string): Promise<SessionInfo> {
  const session = await ctx.store.sessions.get(workspaceId, sessionId);
  if (session === undefined) throw notFound(`session "${sessionId}"`);
  return session;
}

export async function requireContact(ctx: AppContext, workspaceId: string, contactId: string): Promise<Contact> {
  const contact = await ctx.store.contacts.get(workspaceId, contactId);
  if (contact === undefined) throw notFound(`contact "${contactId}"`);
  return contact;
}

export async function requirePlugin(ctx: AppContext, workspaceId: string, name: string): Promise<StoredPlugin> {
  const plugin = await ctx.store.plugins.get(workspaceId, name);
  if (plugin === undefined) throw notFound(`plugin "${name}"`);
  return plugin;
}

/**
 * Validates a flow document against the workspace's node types and compiles it; a document that
 * does not validate answers 400 `flow_invalid` with every problem, its pointer prefixed by
 * `pointerPrefix` (where the document sits in the request body).
 */
export async function compileForWorkspace(ctx: AppContext, workspaceId: string, document: unknown, pointerPrefix: string): Promise<CompiledFlow> {
  const compiled = compileFlow(document, await ctx.host.registries.forWorkspace(workspaceId));
  if (!compiled.ok) throw flowInvalid(compiled.issues, pointerPrefix);
  return compiled.value;
}
