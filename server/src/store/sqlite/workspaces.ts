import { StoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { Role, Workspace, WorkspaceRepository } from '../types.js';
import type { SqliteContext, Sync } from './context.js';

interface WorkspaceRow {
  id: string;
  name: string;
  created_at: number;
}

function workspaceOf(row: WorkspaceRow): Workspace {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** Workspaces; a new one and its owner's membership are written in one transaction. */
export function sqliteWorkspaces({ db, now }: SqliteContext): Sync<WorkspaceRepository> {
  const insert = db.prepare('INSERT INTO workspaces (id, name, created_at) VALUES (@id, @name, @created_at)');
  const insertOwner = db.prepare("INSERT INTO members (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)");
  const userExists = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE id = ?');
  const byId = db.prepare<[string], WorkspaceRow>('SELECT * FROM workspaces WHERE id = ?');
  const rename = db.prepare<[string, string], WorkspaceRow>('UPDATE workspaces SET name = ? WHERE id = ? RETURNING *');
  const forUser = db.prepare<[string], WorkspaceRow & { role: Role }>(
    'SELECT w.id, w.name, w.created_at, m.role FROM members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = ? ORDER BY w.created_at, w.id',
  );
  const listIds = db.prepare<[], string>('SELECT id FROM workspaces ORDER BY created_at, id').pluck();

  const create = db.transaction((name: string, ownerId: string): Workspace => {
    if (userExists.get(ownerId) === undefined) throw new StoreError('not_found', `no user has the id ${ownerId}`);
    const row: WorkspaceRow = { id: newId(), name, created_at: now() };
    insert.run(row);
    insertOwner.run(row.id, ownerId, row.created_at);
    return workspaceOf(row);
  });

  return {
    create: (input) => create.immediate(input.name, input.ownerId),
    byId(id) {
      const row = byId.get(id);
      return row === undefined ? undefined : workspaceOf(row);
    },
    rename(id, name) {
      const row = rename.get(name, id);
      return row === undefined ? undefined : workspaceOf(row);
    },
    forUser: (userId) => forUser.all(userId).map((row) => ({ ...workspaceOf(row), role: row.role })),
    listIds: () => listIds.all(),
  };
}
