import { Schema } from 'mongoose';
import type { PluginManifest } from '@nexusflow/schemas';
import { newId } from '../ids.js';
import type { ChannelConnection, ChannelConnectionRepository, ChannelKind, PluginRepository, StoredPlugin } from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT, fromJson, retryOnDuplicate, toJson } from './common.js';
import type { MongoContext, Syncable } from './common.js';

interface PluginDoc {
  _id: string;
  workspaceId: string;
  name: string;
  version: string;
  /** JSON: manifests carry JSON Schemas, whose keys start with `$`. */
  manifest: string;
  code: string;
  codeHash: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

interface ChannelDoc {
  _id: string;
  workspaceId: string;
  deploymentId: string;
  kind: ChannelKind;
  name: string;
  /** JSON object. */
  config: string;
  status: string;
  createdAt: number;
  updatedAt: number;
}

function toPluginSummary(doc: PluginDoc): Omit<StoredPlugin, 'code'> {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    name: doc.name,
    version: doc.version,
    manifest: fromJson<PluginManifest>(doc.manifest),
    codeHash: doc.codeHash,
    enabled: doc.enabled,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

const toPlugin = (doc: PluginDoc): StoredPlugin => ({ ...toPluginSummary(doc), code: doc.code });

function toChannel(doc: ChannelDoc): ChannelConnection {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    deploymentId: doc.deploymentId,
    kind: doc.kind,
    name: doc.name,
    config: fromJson<Record<string, unknown>>(doc.config),
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Uploaded plugins and channel connections. */
export function pluginRepositories(context: MongoContext) {
  const { connection, now } = context;

  const pluginSchema = new Schema<PluginDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      name: TEXT,
      version: TEXT,
      manifest: TEXT,
      code: TEXT,
      codeHash: TEXT,
      enabled: { type: Boolean, required: true },
      createdAt: NUMBER,
      updatedAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'plugins' },
  );
  pluginSchema.index({ workspaceId: 1, name: 1 }, { unique: true });
  const Plugins = connection.model<PluginDoc>('Plugin', pluginSchema);

  const channelSchema = new Schema<ChannelDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      deploymentId: TEXT,
      kind: { type: String, enum: ['web', 'api', 'studio', 'whatsapp', 'whatsapp-cloud'] },
      name: TEXT,
      config: TEXT,
      status: TEXT,
      createdAt: NUMBER,
      updatedAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'channel_connections' },
  );
  channelSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
  channelSchema.index({ workspaceId: 1, deploymentId: 1 });
  const Channels = connection.model<ChannelDoc>('ChannelConnection', channelSchema);

  const plugins: PluginRepository = {
    async put(workspaceId, input) {
      const at = now();
      const doc = await retryOnDuplicate(() =>
        Plugins.findOneAndUpdate(
          { workspaceId, name: input.name },
          {
            $set: { version: input.version, manifest: toJson(input.manifest), code: input.code, codeHash: input.codeHash, updatedAt: at },
            // A new plugin starts enabled; a replaced bundle keeps its switch.
            $setOnInsert: { _id: newId(), enabled: true, createdAt: at },
          },
          { upsert: true, new: true },
        ).lean<PluginDoc>(),
      );
      if (doc === null) throw new Error('plugin upsert answered nothing');
      return toPlugin(doc);
    },
    async get(workspaceId, name) {
      const doc = await Plugins.findOne({ workspaceId, name }).lean<PluginDoc>();
      return doc === null ? undefined : toPlugin(doc);
    },
    async list(workspaceId) {
      const docs = await Plugins.find({ workspaceId }, { code: 0 }).sort({ name: 1 }).lean<PluginDoc[]>();
      return docs.map(toPluginSummary);
    },
    async setEnabled(workspaceId, name, enabled) {
      const doc = await Plugins.findOneAndUpdate({ workspaceId, name }, { $set: { enabled, updatedAt: now() } }, { new: true }).lean<PluginDoc>();
      return doc === null ? undefined : toPlugin(doc);
    },
    async delete(workspaceId, name) {
      const result = await Plugins.deleteOne({ workspaceId, name });
      return result.deletedCount > 0;
    },
  };

  const channels: ChannelConnectionRepository = {
    async create(workspaceId, input) {
      const at = now();
      const doc: ChannelDoc = {
        _id: newId(),
        workspaceId,
        deploymentId: input.deploymentId,
        kind: input.kind,
        name: input.name,
        config: toJson(input.config),
        status: input.status,
        createdAt: at,
        updatedAt: at,
      };
      await Channels.create([doc]);
      return toChannel(doc);
    },
    async get(workspaceId, id) {
      const doc = await Channels.findOne({ _id: id, workspaceId }).lean<ChannelDoc>();
      return doc === null ? undefined : toChannel(doc);
    },
    async byId(id) {
      const doc = await Channels.findOne({ _id: id }).lean<ChannelDoc>();
      return doc === null ? undefined : toChannel(doc);
    },
    async list(workspaceId) {
      const docs = await Channels.find({ workspaceId }).sort({ createdAt: -1, _id: -1 }).lean<ChannelDoc[]>();
      return docs.map(toChannel);
    },
    async listAll() {
      const docs = await Channels.find({}).sort({ createdAt: 1, _id: 1 }).lean<ChannelDoc[]>();
      return docs.map(toChannel);
    },
    async update(workspaceId, id, patch) {
      const set: Partial<ChannelDoc> = { updatedAt: now() };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.config !== undefined) set.config = toJson(patch.config);
      if (patch.status !== undefined) set.status = patch.status;
      const doc = await Channels.findOneAndUpdate({ _id: id, workspaceId }, { $set: set }, { new: true }).lean<ChannelDoc>();
      return doc === null ? undefined : toChannel(doc);
    },
    async delete(workspaceId, id) {
      const result = await Channels.deleteOne({ _id: id, workspaceId });
      return result.deletedCount > 0;
    },
  };

  const models: Syncable[] = [Plugins, Channels];
  return { plugins, channels, models };
}
