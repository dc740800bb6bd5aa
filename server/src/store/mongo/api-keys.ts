import { Schema } from 'mongoose';
import { newId } from '../ids.js';
import type { ApiKey, ApiKeyRepository, ApiKeyScope, Role } from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT } from './common.js';
import type { MongoContext, Syncable } from './common.js';

interface ApiKeyDoc {
  _id: string;
  workspaceId: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: ApiKeyScope[];
  role: Role;
  createdBy: string;
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

function toApiKey(doc: ApiKeyDoc): ApiKey {
  const key: ApiKey = {
    id: doc._id,
    workspaceId: doc.workspaceId,
    name: doc.name,
    prefix: doc.prefix,
    hash: doc.hash,
    scopes: [...doc.scopes],
    role: doc.role,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
  };
  if (doc.lastUsedAt !== undefined) key.lastUsedAt = doc.lastUsedAt;
  if (doc.revokedAt !== undefined) key.revokedAt = doc.revokedAt;
  return key;
}

/** API keys: looked up by their unique prefix, managed per workspace. */
export function apiKeyRepositories(context: MongoContext) {
  const { connection, now } = context;

  const schema = new Schema<ApiKeyDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      name: TEXT,
      prefix: TEXT,
      hash: TEXT,
      scopes: { type: [String] },
      role: TEXT,
      createdBy: TEXT,
      createdAt: NUMBER,
      lastUsedAt: { type: Number },
      revokedAt: { type: Number },
    },
    { ...SCHEMA_OPTIONS, collection: 'api_keys' },
  );
  schema.index({ prefix: 1 }, { unique: true });
  schema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
  const ApiKeys = connection.model<ApiKeyDoc>('ApiKey', schema);

  const apiKeys: ApiKeyRepository = {
    async create(input) {
      const doc: ApiKeyDoc = {
        _id: newId(),
        workspaceId: input.workspaceId,
        name: input.name,
        prefix: input.prefix,
        hash: input.hash,
        scopes: [...input.scopes],
        role: input.role,
        createdBy: input.createdBy,
        createdAt: now(),
      };
      await ApiKeys.create([doc]);
      return toApiKey(doc);
    },
    async byPrefix(prefix) {
      const doc = await ApiKeys.findOne({ prefix }).lean<ApiKeyDoc>();
      return doc === null ? undefined : toApiKey(doc);
    },
    async list(workspaceId) {
      const docs = await ApiKeys.find({ workspaceId }).sort({ createdAt: -1, _id: -1 }).lean<ApiKeyDoc[]>();
      return docs.map(toApiKey);
    },
    async revoke(workspaceId, id, at) {
      // `$min` keeps the first revocation time when a key is revoked twice.
      const result = await ApiKeys.updateOne({ _id: id, workspaceId }, { $min: { revokedAt: at } });
      return result.matchedCount > 0;
    },
    async touch(id, at) {
      await ApiKeys.updateOne({ _id: id }, { $max: { lastUsedAt: at } });
    },
  };

  const models: Syncable[] = [ApiKeys];
  return { apiKeys, models };
}
