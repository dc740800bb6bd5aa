import { StoreError } from '../errors.js';
import type { Member, MemberRepository, Role } from '../types.js';
import type { SqliteContext, Sync } from './context.js';

interface MemberRow {
  workspace_id: string;
  user_id: string;
  role: Role;
  created_at: number;
}

function memberOf(row: MemberRow): Member {
  return { workspaceId: row.workspace_id, userId: row.user_id, role: row.role, createdAt: row.created_at };
}

/** Memberships of users in workspaces, with their role. */
export function sqliteMembers({ db, now }: SqliteContext): Sync<MemberRepository> {
  const list = db.prepare<[string], MemberRow & { email: string; name: string }>(
    'SELECT m.*, u.email, u.name FROM members m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ? ORDER BY m.created_at, m.user_id',
  );
  const get = db.prepare<[string, string], MemberRow>('SELECT * FROM members WHERE workspace_id = ? AND user_id = ?');
  const upsert = db.prepare(
    'INSERT INTO members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role',
  );
  const remove = db.prepare('DELETE FROM members WHERE workspace_id = ? AND user_id = ?');
  const countOwners = db.prepare<[string], number>("SELECT count(*) FROM members WHERE workspace_id = ? AND role = 'owner'").pluck();
  const workspaceExists = db.prepare<[string], number>('SELECT 1 FROM workspaces WHERE id = ?').pluck();
  const userExists = db.prepare<[string], number>('SELECT 1 FROM users WHERE id = ?').pluck();

  const put = db.transaction((workspaceId: string, userId: string, role: Role): Member => {
    if (workspaceExists.get(workspaceId) === undefined) throw new StoreError('not_found', `no workspace has the id ${workspaceId}`);
    if (userExists.get(userId) === undefined) throw new StoreError('not_found', `no user has the id ${userId}`);
    upsert.run(workspaceId, userId, role, now());
    return memberOf(get.get(workspaceId, userId)!);
  });

  return {
    list: (workspaceId) => list.all(workspaceId).map((row) => ({ ...memberOf(row), email: row.email, name: row.name })),
    get(workspaceId, userId) {
      const row = get.get(workspaceId, userId);
      return row === undefined ? undefined : memberOf(row);
    },
    put: (workspaceId, userId, role) => put.immediate(workspaceId, userId, role),
    remove: (workspaceId, userId) => remove.run(workspaceId, userId).changes > 0,
    countOwners: (workspaceId) => countOwners.get(workspaceId) ?? 0,
  };
}
