import type { Principal } from '../../auth/index.js';
import type { AppContext } from '../../app-context.js';
import type { Member, Role } from '../../store/types.js';
import { ApiError, notFound } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';
import { principalOf } from './lookups.js';

const MEMBERS = '/workspaces/:workspaceId/members';

/** Owners are made, changed and removed by owners only; an admin manages everyone else. */
function requireOwnerFor(principal: Principal, what: string): void {
  if (principal.role !== 'owner') throw new ApiError(403, 'forbidden', `only an owner may ${what} (you have role ${principal.role})`);
}

async function requireMember(ctx: AppContext, workspaceId: string, userId: string): Promise<Member> {
  const member = await ctx.store.members.get(workspaceId, userId);
  if (member === undefined) throw notFound(`member "${userId}"`);
  return member;
}

/** Refuses a change that would leave the workspace without an owner. */
async function keepAnOwner(ctx: AppContext, member: Member, what: string): Promise<void> {
  if (member.role === 'owner' && (await ctx.store.members.countOwners(member.workspaceId)) <= 1) {
    throw new ApiError(409, 'last_owner', `cannot ${what} the last owner; make someone else an owner first`);
  }
}

const presentMember = (m: Member & { email?: string; name?: string }) => ({ userId: m.userId, email: m.email, name: m.name, role: m.role, createdAt: m.createdAt });

export const memberRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: MEMBERS,
    summary: 'Members of the workspace and their roles',
    tag: 'members',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId }) {
      return { items: (await ctx.store.members.list(workspaceId)).map(presentMember) };
    },
  },
  {
    method: 'post',
    path: MEMBERS,
    summary: 'Add a person (who has an account) to the workspace with a role',
    tag: 'members',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'MemberAdd',
    status: 201,
    async handle(request) {
      const { ctx, workspaceId } = request;
      const { email, role } = request.body as { email: string; role: Role };
      if (role === 'owner') requireOwnerFor(principalOf(request), 'make someone an owner');
      const normalized = email.trim().toLowerCase();
      const user = await ctx.store.users.byEmail(normalized);
      if (user === undefined) {
        throw new ApiError(404, 'not_found', `no account uses ${normalized}; ask them to sign up first, then add them`, [{ pointer: '/email', message: 'no such account' }]);
      }
      const existing = await ctx.store.members.get(workspaceId, user.id);
      if (existing !== undefined) {
        throw new ApiError(409, 'already_member', `${normalized} is already a member (role ${existing.role}); change the role with PATCH ${MEMBERS.replace(':workspaceId', workspaceId)}/${user.id}`);
      }
      const member = await ctx.store.members.put(workspaceId, user.id, role);
      return presentMember({ ...member, email: user.email, name: user.name });
    },
  },
  {
    method: 'patch',
    path: `${MEMBERS}/:userId`,
    summary: "Change a member's role",
    tag: 'members',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    body: 'MemberUpdate',
    async handle(request) {
      const { ctx, workspaceId, params } = request;
      const { role } = request.body as { role: Role };
      const member = await requireMember(ctx, workspaceId, params.userId ?? '');
      if (member.role === 'owner' || role === 'owner') requireOwnerFor(principalOf(request), "change an owner's role or make someone an owner");
      if (role !== 'owner') await keepAnOwner(ctx, member, 'demote');
      const updated = await ctx.store.members.put(workspaceId, member.userId, role);
      const user = await ctx.store.users.byId(member.userId);
      return presentMember({ ...updated, ...(user === undefined ? {} : { email: user.email, name: user.name }) });
    },
  },
  {
    method: 'delete',
    path: `${MEMBERS}/:userId`,
    summary: 'Remove a member from the workspace',
    tag: 'members',
    access: { kind: 'workspace', role: 'admin', scope: 'admin' },
    async handle(request) {
      const { ctx, workspaceId, params } = request;
      const member = await requireMember(ctx, workspaceId, params.userId ?? '');
      if (member.role === 'owner') requireOwnerFor(principalOf(request), 'remove an owner');
      await keepAnOwner(ctx, member, 'remove');
      if (!(await ctx.store.members.remove(workspaceId, member.userId))) throw notFound(`member "${member.userId}"`);
      return undefined;
    },
  },
];
