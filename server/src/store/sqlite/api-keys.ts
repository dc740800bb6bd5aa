import { newId } from '../ids.js';
import type { ApiKey, ApiKeyRepository, ApiKeyScope, Role } from '../types.js';
import type { SqliteContext, Sync } from './context.js';
import { fromJson, setOptional } from './json.js';
import { conflictOf } from './sqlite-errors.js';

interface ApiKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  role: Role;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function apiKeyOf(row: ApiKeyRow): ApiKey {
  const key: ApiKey = {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    scopes: fromJson<ApiKeyScope[]>(row.scopes) ?? [],
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
  setOptional(key, 'lastUsedAt', row.last_used_at);
  setOptional(key, 'revokedAt', row.revoked_at);
  return key;
}

/** API keys: only a hash is stored; the prefix is the lookup, unique across workspaces. */
export function sqliteApiKeys({ db, now }: SqliteContext): Sync<ApiKeyRepository> {
  const insert = db.prepare(
    'INSERT INTO api_keys (id, workspace_id, name, prefix, hash, scopes, role, created_by, created_at) VALUES (@id, @workspace_id, @name, @prefix, @hash, @scopes, @role, @created_by, @created_at)',
  );
  const byPrefix = db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE prefix = ?');
  const list = db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE workspace_id = ? ORDER BY created_at DESC, id DESC');
  // The first revocation time stays: revoking again is harmless and does not rewrite history.
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE workspace_id = ? AND id = ?');
  const touch = db.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
  return {
    create(input) {
      const row: ApiKeyRow = {
        id: newId(),
        workspace_id: input.workspaceId,
        name: input.name,
        prefix: input.prefix,
        hash: input.hash,
        scopes: JSON.stringify(input.scopes),
        role: input.role,
        created_by: input.createdBy,
        created_at: now(),
        last_used_at: null,
        revoked_at: null,
      };
      try {
        insert.run(row);
      } catch (error) {
        throw conflictOf(error, { 'api_keys.prefix': `the API key prefix ${input.prefix} is taken` });
      }
      return apiKeyOf(row);
    },
    byPrefix(prefix) {
      const row = byPrefix.get(prefix);
      return row === undefined ? undefined : apiKeyOf(row);
    },
    list: (workspaceId) => list.all(workspaceId).map(apiKeyOf),
    revoke: (workspaceId, id, at) => revoke.run(at, workspaceId, id).changes > 0,
    touch(id, at) {
      touch.run(at, id);
    },
  };
}
