import { checkPasswordPolicy, hashPassword, verifyPassword } from '../../auth/index.js';
import type { AppContext } from '../../app-context.js';
import { StoreError } from '../../store/errors.js';
import type { User } from '../../store/types.js';
import { ApiError } from '../api-error.js';
import type { RouteSpec } from '../route-spec.js';

interface SignUpBody {
  email: string;
  password: string;
  name: string;
  workspaceName?: string;
}

interface LoginBody {
  email: string;
  password: string;
}

/** One sentence for an unknown email and a wrong password, so neither reveals which accounts exist. */
const INVALID_CREDENTIALS = 'the email or password is not right';

export const presentUser = (user: User) => ({ id: user.id, email: user.email, name: user.name, createdAt: user.createdAt });

/** A hash to verify against when the email is unknown, so both failures take the same time. */
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hashPassword('nexusflow decoy password, never valid'));

async function throttle(ctx: AppContext, keys: string[]): Promise<void> {
  const verdict = await ctx.authFailures.check(keys);
  if (!verdict.ok) {
    throw new ApiError(429, 'too_many_failures', `too many failed sign-ins; try again in ${verdict.retryAfterSeconds} s`, undefined, {
      'Retry-After': String(verdict.retryAfterSeconds),
    });
  }
}

async function workspacesOf(ctx: AppContext, userId: string) {
  const workspaces = await ctx.store.workspaces.forUser(userId);
  return workspaces.map((w) => ({ id: w.id, name: w.name, role: w.role, createdAt: w.createdAt }));
}

export const authRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: '/auth/signup',
    summary: 'Create an account and its first workspace (you are its owner)',
    tag: 'auth',
    access: { kind: 'public' },
    body: 'SignUp',
    status: 201,
    async handle({ ctx, body }) {
      const input = body as SignUpBody;
      const problem = checkPasswordPolicy(input.password);
      if (problem !== undefined) throw new ApiError(400, 'invalid_request', problem, [{ pointer: '/password', message: problem }]);
      const email = input.email.trim().toLowerCase();
      const taken = () => new ApiError(409, 'email_taken', `an account with ${email} already exists; sign in instead`, [{ pointer: '/email', message: 'already registered' }]);
      if ((await ctx.store.users.byEmail(email)) !== undefined) throw taken();
      let user: User;
      try {
        user = await ctx.store.users.create({ email, name: input.name, passwordHash: await hashPassword(input.password) });
      } catch (error) {
        if (error instanceof StoreError && error.code === 'conflict') throw taken();
        throw error;
      }
      const workspace = await ctx.store.workspaces.create({ name: input.workspaceName ?? `${input.name}'s workspace`, ownerId: user.id });
      return {
        token: ctx.tokens.sign({ sub: user.id, ws: workspace.id }),
        user: presentUser(user),
        workspace: { id: workspace.id, name: workspace.name, role: 'owner', createdAt: workspace.createdAt },
      };
    },
  },
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with email and password; answers a token and your workspaces',
    tag: 'auth',
    access: { kind: 'public' },
    body: 'Login',
    async handle({ ctx, req, body }) {
      const input = body as LoginBody;
      const email = input.email.trim().toLowerCase();
      const keys = [`ip:${req.ip ?? 'unknown'}`, `email:${email}`];
      await throttle(ctx, keys);
      const user = await ctx.store.users.byEmail(email);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await decoy()));
      if (user === undefined || !ok) {
        ctx.authFailures.fail(keys);
        throw new ApiError(401, 'invalid_credentials', INVALID_CREDENTIALS);
      }
      // Only the account's count is forgiven: an attacker cannot clear his IP's count this way.
      ctx.authFailures.succeed([`email:${email}`]);
      const workspaces = await workspacesOf(ctx, user.id);
      return { token: ctx.tokens.sign(workspaces[0] === undefined ? { sub: user.id } : { sub: user.id, ws: workspaces[0].id }), user: presentUser(user), workspaces };
    },
  },
  {
    method: 'post',
    path: '/auth/refresh',
    summary: 'Exchange a valid sign-in token for a fresh one',
    tag: 'auth',
    access: { kind: 'user' },
    handle({ ctx, actor }) {
      return { token: ctx.tokens.sign({ sub: actor }) };
    },
  },
  {
    method: 'get',
    path: '/me',
    summary: 'The signed-in user and the workspaces they belong to, with their roles',
    tag: 'auth',
    access: { kind: 'user' },
    async handle({ ctx, actor }) {
      const user = await ctx.store.users.byId(actor);
      if (user === undefined) throw new ApiError(401, 'invalid_token', 'the account of this token no longer exists; sign in again');
      return { user: presentUser(user), workspaces: await workspacesOf(ctx, user.id) };
    },
  },
];
