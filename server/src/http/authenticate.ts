import type { Request } from 'express';
import type { AppContext } from '../app-context.js';
import { apiKeyMatches, looksLikeApiKey, parseApiKey, principalCan, type Principal } from '../auth/index.js';
import type { ApiKey, ApiKeyScope, Role } from '../store/types.js';
import { ApiError } from './api-error.js';

/** Who sent a request, before any workspace is involved. */
export type Identity = { kind: 'user'; userId: string } | { kind: 'apiKey'; key: ApiKey };

const TOUCH_EVERY_MS = 60_000;

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S{1,4096})$/i.exec(header);
  if (match === null) throw new ApiError(401, 'invalid_token', 'the Authorization header must be "Bearer <token or API key>"');
  return match[1];
}

async function throttled(ctx: AppContext, keys: string[]): Promise<void> {
  const verdict = await ctx.authFailures.check(keys);
  if (!verdict.ok) {
    throw new ApiError(429, 'too_many_failures', `too many failed sign-ins from here; try again in ${verdict.retryAfterSeconds} s`, undefined, {
      'Retry-After': String(verdict.retryAfterSeconds),
    });
  }
}

/** Reads the bearer token or API key of a request; `undefined` when there is none. */
export async function identify(req: Request, ctx: AppContext, token = bearer(req)): Promise<Identity | undefined> {
  if (token === undefined) return undefined;
  const ip = `ip:${req.ip ?? 'unknown'}`;
  if (looksLikeApiKey(token)) {
    const parsed = parseApiKey(token);
    const keys = parsed === undefined ? [ip] : [ip, `key:${parsed.prefix}`];
    await throttled(ctx, keys);
    const key = parsed === undefined ? undefined : await ctx.store.apiKeys.byPrefix(parsed.prefix);
    if (key === undefined || key.revokedAt !== undefined || !apiKeyMatches(token, key.hash)) {
      ctx.authFailures.fail(keys);
      throw new ApiError(401, 'invalid_api_key', 'the API key is not valid (unknown, revoked or mistyped); create one under Settings → API keys');
    }
    const now = ctx.now();
    if (key.lastUsedAt === undefined || now - key.lastUsedAt > TOUCH_EVERY_MS) void ctx.store.apiKeys.touch(key.id, now).catch(() => undefined);
    return { kind: 'apiKey', key };
  }
  const verified = ctx.tokens.verify(token, { purpose: 'session' });
  if (!verified.ok) throw new ApiError(401, verified.code, verified.message);
  const user = await ctx.store.users.byId(verified.claims.sub);
  if (user === undefined) throw new ApiError(401, 'invalid_token', 'the account of this token no longer exists; sign in again');
  return { kind: 'user', userId: user.id };
}

/**
 * The principal of `identity` inside `workspaceId`, or 404 when it is not a member (the workspace's
 * existence is not revealed), or 403 naming the role or scope it lacks.
 */
export async function authorize(ctx: AppContext, identity: Identity, workspaceId: string, need: { role: Role; scope: ApiKeyScope }): Promise<Principal> {
  let principal: Principal | undefined;
  if (identity.kind === 'apiKey') {
    if (identity.key.workspaceId === workspaceId) {
      principal = { kind: 'apiKey', keyId: identity.key.id, workspaceId, role: identity.key.role, scopes: identity.key.scopes };
    }
  } else {
    const member = await ctx.store.members.get(workspaceId, identity.userId);
    if (member !== undefined) principal = { kind: 'user', userId: identity.userId, workspaceId, role: member.role };
  }
  if (principal === undefined) throw new ApiError(404, 'not_found', 'this workspace was not found, or you are not a member of it');
  const verdict = principalCan(principal, need);
  if (!verdict.ok) throw new ApiError(403, 'forbidden', verdict.message);
  return principal;
}

export function actorOf(identity: Identity): string {
  return identity.kind === 'user' ? identity.userId : identity.key.createdBy;
}
