import { Schema } from 'mongoose';
import { newId } from '../ids.js';
import type { AppDeployment, AppDeploymentRepository, AppTarget, ChannelMessage, ChannelMessageDirection, ChannelMessageRepository } from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT, fromJson, inTransaction, isDuplicateKey, nextSeq, toJson } from './common.js';
import type { MongoContext, Syncable } from './common.js';

interface MessageDoc {
  _id: string;
  workspaceId: string;
  connectionId: string;
  direction: ChannelMessageDirection;
  key: string;
  providerId?: string;
  contact: string;
  status: string;
  payload: string;
  error?: string;
  providerAt?: number;
  createdAt: number;
  updatedAt: number;
}

interface AppDoc {
  _id: string;
  workspaceId: string;
  name: string;
  version: number;
  target: AppTarget;
  status: string;
  live: boolean;
  url?: string;
  files: string;
  detail: string;
  key: string;
  createdAt: number;
  updatedAt: number;
}

function toMessage(doc: MessageDoc): ChannelMessage {
  const message: ChannelMessage = {
    id: doc._id,
    workspaceId: doc.workspaceId,
    connectionId: doc.connectionId,
    direction: doc.direction,
    key: doc.key,
    contactExternalId: doc.contact,
    status: doc.status,
    payload: fromJson<Record<string, unknown>>(doc.payload) ?? {},
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.providerId !== undefined && doc.providerId !== null) message.providerId = doc.providerId;
  if (doc.error !== undefined && doc.error !== null) message.error = doc.error;
  if (doc.providerAt !== undefined && doc.providerAt !== null) message.providerAt = doc.providerAt;
  return message;
}

function toApp(doc: AppDoc): AppDeployment {
  const app: AppDeployment = {
    id: doc._id,
    workspaceId: doc.workspaceId,
    name: doc.name,
    version: doc.version,
    target: doc.target,
    status: doc.status,
    live: doc.live,
    files: fromJson<AppDeployment['files']>(doc.files) ?? [],
    detail: fromJson<Record<string, unknown>>(doc.detail) ?? {},
    key: doc.key,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.url !== undefined && doc.url !== null) app.url = doc.url;
  return app;
}

/** Channel messages (inbox, sent keys) and deployments of generated apps. */
export function channelAndAppRepositories(context: MongoContext) {
  const { connection, now } = context;
  const messageSchema = new Schema<MessageDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      connectionId: TEXT,
      direction: { type: String, enum: ['in', 'out'], required: true },
      key: TEXT,
      providerId: { type: String },
      contact: TEXT,
      status: TEXT,
      payload: TEXT,
      error: { type: String },
      providerAt: { type: Number },
      createdAt: NUMBER,
      updatedAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'channel_messages' },
  );
  messageSchema.index({ connectionId: 1, direction: 1, key: 1 }, { unique: true });
  messageSchema.index({ connectionId: 1, providerId: 1 }, { sparse: true });
  messageSchema.index({ connectionId: 1, contact: 1, direction: 1, createdAt: -1 });
  messageSchema.index({ connectionId: 1, direction: 1, status: 1, createdAt: 1 });
  messageSchema.index({ createdAt: 1 });
  const Messages = connection.model<MessageDoc>('ChannelMessage', messageSchema);

  const appSchema = new Schema<AppDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      name: TEXT,
      version: NUMBER,
      target: { type: String, enum: ['local', 'platform'], required: true },
      status: TEXT,
      live: { type: Boolean, required: true },
      url: { type: String },
      files: TEXT,
      detail: TEXT,
      key: TEXT,
      createdAt: NUMBER,
      updatedAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'apps' },
  );
  appSchema.index({ workspaceId: 1, name: 1, version: 1 }, { unique: true });
  appSchema.index({ workspaceId: 1, key: 1 }, { unique: true });
  appSchema.index({ workspaceId: 1, createdAt: -1 });
  appSchema.index({ workspaceId: 1, name: 1 }, { unique: true, partialFilterExpression: { live: true }, name: 'apps_one_live' });
  const Apps = connection.model<AppDoc>('AppDeployment', appSchema);

  const channelMessages: ChannelMessageRepository = {
    async record(input) {
      const at = now();
      const doc: MessageDoc = {
        _id: newId(),
        workspaceId: input.workspaceId,
        connectionId: input.connectionId,
        direction: input.direction,
        key: input.key,
        contact: input.contactExternalId,
        status: input.status,
        payload: toJson(input.payload) ?? '{}',
        createdAt: at,
        updatedAt: at,
      };
      if (input.providerId !== undefined) doc.providerId = input.providerId;
      if (input.error !== undefined) doc.error = input.error;
      if (input.providerAt !== undefined) doc.providerAt = input.providerAt;
      try {
        await Messages.create([doc]);
        return { message: toMessage(doc), created: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const earlier = await Messages.findOne({ connectionId: input.connectionId, direction: input.direction, key: input.key }).lean<MessageDoc>();
        if (earlier === null) throw error;
        return { message: toMessage(earlier), created: false };
      }
    },
    async get(connectionId, direction, key) {
      const doc = await Messages.findOne({ connectionId, direction, key }).lean<MessageDoc>();
      return doc === null ? undefined : toMessage(doc);
    },
    async byProviderId(connectionId, providerId) {
      const doc = await Messages.findOne({ connectionId, providerId, direction: 'out' }).lean<MessageDoc>();
      return doc === null ? undefined : toMessage(doc);
    },
    async advance(id, status, rank, patch = {}) {
      // Compare-and-set on the status read: a concurrent advance makes the write miss, and the loop reads again.
      for (;;) {
        const doc = await Messages.findOne({ _id: id }).lean<MessageDoc>();
        if (doc === null) return { message: undefined, moved: false };
        if (rank(status) <= rank(doc.status)) return { message: toMessage(doc), moved: false };
        const set: Partial<MessageDoc> = { status, updatedAt: now() };
        if (patch.providerId !== undefined) set.providerId = patch.providerId;
        if (patch.error !== undefined) set.error = patch.error;
        const next = await Messages.findOneAndUpdate({ _id: id, status: doc.status }, { $set: set }, { new: true }).lean<MessageDoc>();
        if (next !== null) return { message: toMessage(next), moved: true };
      }
    },
    async listByStatus(connectionId, direction, status, limit = 500) {
      const docs = await Messages.find({ connectionId, direction, status }).sort({ createdAt: 1, _id: 1 }).limit(limit).lean<MessageDoc[]>();
      return docs.map(toMessage);
    },
    async lastInbound(connectionId, contact) {
      const doc = await Messages.findOne({ connectionId, contact, direction: 'in' }).sort({ createdAt: -1, _id: -1 }).lean<MessageDoc>();
      return doc === null ? undefined : toMessage(doc);
    },
    async countOutbound(connectionId, since, contact) {
      return Messages.countDocuments({ connectionId, direction: 'out', createdAt: { $gte: since }, ...(contact === undefined ? {} : { contact }) });
    },
    async purge(before) {
      const result = await Messages.deleteMany({ createdAt: { $lt: before } });
      return result.deletedCount;
    },
  };

  const apps: AppDeploymentRepository = {
    async create(workspaceId, input) {
      const earlier = await Apps.findOne({ workspaceId, key: input.key }).lean<AppDoc>();
      if (earlier !== null) return { deployment: toApp(earlier), created: false };
      try {
        return await inTransaction(context, async (session) => {
          const at = now();
          const doc: AppDoc = {
            _id: newId(),
            workspaceId,
            name: input.name,
            version: await nextSeq(context, `app:${workspaceId}:${input.name}`, 1, session),
            target: input.target,
            status: input.status,
            live: false,
            files: toJson(input.files) ?? '[]',
            detail: toJson(input.detail ?? {}) ?? '{}',
            key: input.key,
            createdAt: at,
            updatedAt: at,
          };
          await Apps.create([doc], { session });
          return { deployment: toApp(doc), created: true };
        });
      } catch (error) {
        // The same step published at the same moment elsewhere: answer its deployment.
        if (!isDuplicateKey(error)) throw error;
        const other = await Apps.findOne({ workspaceId, key: input.key }).lean<AppDoc>();
        if (other === null) throw error;
        return { deployment: toApp(other), created: false };
      }
    },
    async get(workspaceId, id) {
      const doc = await Apps.findOne({ _id: id, workspaceId }).lean<AppDoc>();
      return doc === null ? undefined : toApp(doc);
    },
    async update(workspaceId, id, patch) {
      const set: Partial<AppDoc> = { updatedAt: now() };
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.detail !== undefined) set.detail = toJson(patch.detail) ?? '{}';
      const doc = await Apps.findOneAndUpdate({ _id: id, workspaceId }, { $set: set }, { new: true }).lean<AppDoc>();
      return doc === null ? undefined : toApp(doc);
    },
    async setLive(workspaceId, id) {
      return inTransaction(context, async (session) => {
        const doc = await Apps.findOne({ _id: id, workspaceId }).session(session).lean<AppDoc>();
        if (doc === null) return undefined;
        const at = now();
        await Apps.updateMany({ workspaceId, name: doc.name, live: true, status: 'live' }, { $set: { live: false, status: 'superseded', updatedAt: at } }, { session });
        await Apps.updateMany({ workspaceId, name: doc.name, live: true }, { $set: { live: false, updatedAt: at } }, { session });
        const next = await Apps.findOneAndUpdate({ _id: id }, { $set: { live: true, status: 'live', updatedAt: at } }, { new: true, session }).lean<AppDoc>();
        return next === null ? undefined : toApp(next);
      });
    },
    async live(workspaceId, name) {
      const doc = await Apps.findOne({ workspaceId, name, live: true }).lean<AppDoc>();
      return doc === null ? undefined : toApp(doc);
    },
    async list(workspaceId, query = {}) {
      const limit = Math.min(Math.max(query.limit ?? 100, 1), 500);
      const filter = query.name === undefined ? { workspaceId } : { workspaceId, name: query.name };
      const docs = await Apps.find(filter)
        .sort(query.name === undefined ? { createdAt: -1, version: -1 } : { version: -1 })
        .limit(limit)
        .lean<AppDoc[]>();
      return docs.map(toApp);
    },
  };

  const models: Syncable[] = [Messages, Apps];
  return { channelMessages, apps, models };
}
