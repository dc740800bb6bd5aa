import type { ApiBodyName } from '@nexusflow/schemas';
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.js';
import type { Principal } from '../auth/index.js';
import type { ApiKeyScope, Role } from '../store/types.js';

/**
 * Who may call a route:
 * - `public`: anyone (sign-up, login, webhooks with their own signature check, health);
 * - `user`: a signed-in person (a JWT), outside any workspace;
 * - `workspace`: a member of the `:workspaceId` in the path (JWT or API key) with at least `role`
 *   and, for API keys, `scope`. Anyone else gets 404 for the workspace, never its data.
 */
export type RouteAccess = { kind: 'public' } | { kind: 'user' } | { kind: 'workspace'; role: Role; scope: ApiKeyScope };

export interface RouteRequest {
  req: Request;
  res: Response;
  ctx: AppContext;
  /** Path parameters. */
  params: Record<string, string>;
  /** The validated body (when the route declares one). */
  body: unknown;
  principal: Principal | undefined;
  /** The path's workspace, checked against the principal (workspace routes). */
  workspaceId: string;
  /** The user id behind the principal (the key's creator for API keys). */
  actor: string;
}

/** One API route: the single source of the Express wiring, the OpenAPI document and the tenancy test. */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path below `/api/v1`, e.g. `/workspaces/:workspaceId/flows/:flowId`. */
  path: string;
  summary: string;
  tag: string;
  access: RouteAccess;
  body?: ApiBodyName;
  /** Largest body accepted (default 1 MB). */
  bodyLimit?: string;
  /** Status of a successful answer (default 200). */
  status?: number;
  /** Answers the JSON body; a handler that wrote the response itself answers `undefined`. */
  handle(request: RouteRequest): Promise<unknown> | unknown;
}
