import { newId } from '../ids.js';
import type { AppDeployment, AppDeploymentRepository, AppTarget } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { setOptional } from './json.js';

interface AppRow {
  id: string;
  workspace_id: string;
  name: string;
  version: number;
  target: AppTarget;
  status: string;
  live: number;
  url: string | null;
  files: string;
  detail: string;
  key: string;
  created_at: number;
  updated_at: number;
}

function appOf(row: AppRow): AppDeployment {
  const app: AppDeployment = {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    version: row.version,
    target: row.target,
    status: row.status,
    live: row.live === 1,
    files: JSON.parse(row.files) as AppDeployment['files'],
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    key: row.key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  setOptional(app, 'url', row.url);
  return app;
}

/** Deployments of generated apps: versions per (workspace, name), one live. */
export function sqliteApps({ db, now }: SqliteContext): Sync<AppDeploymentRepository> {
  const byKey = db.prepare<[string, string], AppRow>('SELECT * FROM apps WHERE workspace_id = ? AND key = ?');
  const get = db.prepare<[string, string], AppRow>('SELECT * FROM apps WHERE workspace_id = ? AND id = ?');
  const nextVersion = db.prepare<[string, string], number>('SELECT coalesce(max(version), 0) + 1 FROM apps WHERE workspace_id = ? AND name = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO apps (id, workspace_id, name, version, target, status, live, url, files, detail, key, created_at, updated_at)
     VALUES (@id, @workspace_id, @name, @version, @target, @status, 0, NULL, @files, @detail, @key, @created_at, @updated_at)`,
  );
  const update = db.prepare('UPDATE apps SET status = @status, url = @url, detail = @detail, updated_at = @updated_at WHERE id = @id');
  const unsetLive = db.prepare("UPDATE apps SET live = 0, status = CASE WHEN status = 'live' THEN 'superseded' ELSE status END, updated_at = ? WHERE workspace_id = ? AND name = ? AND live = 1");
  const makeLive = db.prepare("UPDATE apps SET live = 1, status = 'live', updated_at = ? WHERE id = ?");
  const live = db.prepare<[string, string], AppRow>('SELECT * FROM apps WHERE workspace_id = ? AND name = ? AND live = 1');
  const listAll = db.prepare<[string, number], AppRow>('SELECT * FROM apps WHERE workspace_id = ? ORDER BY created_at DESC, version DESC LIMIT ?');
  const listName = db.prepare<[string, string, number], AppRow>('SELECT * FROM apps WHERE workspace_id = ? AND name = ? ORDER BY version DESC LIMIT ?');

  // Version numbers are taken inside one immediate transaction, so two publishes never share one.
  const create = db.transaction((workspaceId: string, input: Parameters<AppDeploymentRepository['create']>[1]) => {
    const earlier = byKey.get(workspaceId, input.key);
    if (earlier !== undefined) return { deployment: appOf(earlier), created: false };
    const at = now();
    const row: AppRow = {
      id: newId(),
      workspace_id: workspaceId,
      name: input.name,
      version: nextVersion.get(workspaceId, input.name)!,
      target: input.target,
      status: input.status,
      live: 0,
      url: null,
      files: JSON.stringify(input.files),
      detail: JSON.stringify(input.detail ?? {}),
      key: input.key,
      created_at: at,
      updated_at: at,
    };
    insert.run(row);
    return { deployment: appOf(row), created: true };
  });
  const updateTx = db.transaction((workspaceId: string, id: string, patch: { status?: string; url?: string; detail?: Record<string, unknown> }) => {
    const row = get.get(workspaceId, id);
    if (row === undefined) return undefined;
    const next: AppRow = {
      ...row,
      status: patch.status ?? row.status,
      url: patch.url ?? row.url,
      detail: patch.detail === undefined ? row.detail : JSON.stringify(patch.detail),
      updated_at: now(),
    };
    update.run(next);
    return appOf(next);
  });
  const setLive = db.transaction((workspaceId: string, id: string) => {
    const row = get.get(workspaceId, id);
    if (row === undefined) return undefined;
    const at = now();
    unsetLive.run(at, workspaceId, row.name);
    makeLive.run(at, id);
    return appOf(get.get(workspaceId, id)!);
  });

  return {
    create: (workspaceId, input) => create.immediate(workspaceId, input),
    get(workspaceId, id) {
      const row = get.get(workspaceId, id);
      return row === undefined ? undefined : appOf(row);
    },
    update: (workspaceId, id, patch) => updateTx.immediate(workspaceId, id, patch),
    setLive: (workspaceId, id) => setLive.immediate(workspaceId, id),
    live(workspaceId, name) {
      const row = live.get(workspaceId, name);
      return row === undefined ? undefined : appOf(row);
    },
    list(workspaceId, query = {}) {
      const limit = Math.min(Math.max(query.limit ?? 100, 1), 500);
      return (query.name === undefined ? listAll.all(workspaceId, limit) : listName.all(workspaceId, query.name, limit)).map(appOf);
    },
  };
}
