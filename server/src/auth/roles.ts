import { ROLES, type ApiKeyScope, type Role } from '../store/types.js';

/**
 * Roles, API-key scopes and the one authorization check routes call.
 *
 * Roles are ordered viewer < editor < admin < owner. Scopes nest: `admin` implies `write`, `read`
 * and `chat`; `write` implies `read`. A user holds every scope their role allows; an API key holds
 * the scopes it was given, capped by the scopes of the role it acts with (a viewer key marked
 * `admin` still cannot write).
 */

/** Who is calling, after authentication. `workspaceId` comes from the membership or key row, never from a token hint. */
export type Principal =
  | { kind: 'user'; userId: string; workspaceId: string; role: Role }
  | { kind: 'apiKey'; keyId: string; workspaceId: string; role: Role; scopes: readonly ApiKeyScope[] };

/** What a route needs; either part may be left out. */
export interface Requirement {
  role?: Role;
  scope?: ApiKeyScope;
}

export type AuthzResult = { ok: true } | { ok: false; code: 'forbidden'; message: string };

/** Scopes each role allows. Viewers may chat with deployments (the editor's test chat) but not change anything. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly ApiKeyScope[]>> = {
  viewer: ['read', 'chat'],
  editor: ['read', 'write', 'chat'],
  admin: ['admin', 'write', 'read', 'chat'],
  owner: ['admin', 'write', 'read', 'chat'],
};

/** What each scope implies besides itself. */
const IMPLIED: Readonly<Record<ApiKeyScope, readonly ApiKeyScope[]>> = {
  admin: ['write', 'read', 'chat'],
  write: ['read'],
  read: [],
  chat: [],
};

/**
 * Whether `role` is `minimum` or above. An unknown role (a corrupt row) is below everything.
 *
 * @example
 * roleAtLeast('admin', 'editor'); // true
 * roleAtLeast('viewer', 'editor'); // false
 */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  const have = ROLES.indexOf(role);
  const need = ROLES.indexOf(minimum);
  // Both must be known: indexOf -1 for an unknown minimum would otherwise let everyone through.
  return have !== -1 && need !== -1 && have >= need;
}

/**
 * Whether a set of scopes covers `needed`, directly or by implication.
 *
 * @example
 * scopeAllows(['admin'], 'chat'); // true
 * scopeAllows(['write'], 'read'); // true
 * scopeAllows(['chat'], 'read'); // false
 */
export function scopeAllows(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return scopes.some((scope) => scope === needed || (IMPLIED[scope]?.includes(needed) ?? false));
}

/**
 * Checks a principal against a route's requirement. The refusal names what is missing, so a 403 says
 * which role or scope to ask for.
 *
 * @example
 * const result = principalCan(req.principal, { role: 'admin', scope: 'admin' });
 * if (!result.ok) return res.status(403).json({ error: result.code, message: result.message });
 */
export function principalCan(principal: Principal, requirement: Requirement): AuthzResult {
  if (requirement.role !== undefined && !roleAtLeast(principal.role, requirement.role)) {
    return forbidden(`requires role ${requirement.role} or above (${describe(principal)} has role ${principal.role})`);
  }
  const scope = requirement.scope;
  if (scope !== undefined) {
    if (principal.kind === 'apiKey' && !scopeAllows(principal.scopes, scope)) {
      return forbidden(`requires scope ${scope} (API key has ${principal.scopes.join(', ') || 'no scopes'})`);
    }
    if (!scopeAllows(ROLE_SCOPES[principal.role] ?? [], scope)) {
      return forbidden(`requires scope ${scope}, which role ${principal.role} does not allow`);
    }
  }
  return { ok: true };
}

function describe(principal: Principal): string {
  return principal.kind === 'user' ? 'user' : 'API key';
}

function forbidden(message: string): AuthzResult {
  return { ok: false, code: 'forbidden', message };
}
