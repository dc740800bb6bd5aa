import { Schema } from 'mongoose';
import type { HistoryStore, KvStore, LlmMessage } from '@nexusflow/engine';
import { newId } from '../ids.js';
import type { Store } from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT, isDuplicateKey, nextSeq, retryOnDuplicate } from './common.js';
import type { MongoContext, Syncable } from './common.js';

/** One `append` of conversation memory: its messages, under its idempotency key. */
interface HistoryDoc {
  _id: string;
  workspaceId: string;
  contactId: string;
  key: string;
  /** Order of appends within (workspace, contact). */
  seq: number;
  messages: LlmMessage[];
}

interface KvDoc {
  _id: string;
  workspaceId: string;
  plugin: string;
  key: string;
  /** JSON. */
  value: string;
}

interface SecretDoc {
  _id: string;
  workspaceId: string;
  name: string;
  value: string;
  updatedAt: number;
}

const historyCounter = (workspaceId: string, contactId: string) => `history:${workspaceId}:${contactId}`;

/**
 * The engine's storage ports: conversation memory, plugin key-value storage and workspace secrets,
 * with the semantics of nodes' in-memory stores (`createMemoryHistoryStore`, `createMemoryKvStore`).
 */
export function engineStores(context: MongoContext) {
  const { connection, now } = context;

  const historySchema = new Schema<HistoryDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      contactId: TEXT,
      key: TEXT,
      seq: NUMBER,
      messages: { type: [new Schema<LlmMessage>({ role: TEXT, content: TEXT }, { _id: false, versionKey: false })] },
    },
    { ...SCHEMA_OPTIONS, collection: 'history' },
  );
  historySchema.index({ workspaceId: 1, contactId: 1, key: 1 }, { unique: true });
  historySchema.index({ workspaceId: 1, contactId: 1, seq: 1 });
  const History = connection.model<HistoryDoc>('History', historySchema);

  const kvSchema = new Schema<KvDoc>({ _id: ID, workspaceId: TEXT, plugin: TEXT, key: TEXT, value: TEXT }, { ...SCHEMA_OPTIONS, collection: 'kv' });
  kvSchema.index({ workspaceId: 1, plugin: 1, key: 1 }, { unique: true });
  const Kv = connection.model<KvDoc>('Kv', kvSchema);

  const secretSchema = new Schema<SecretDoc>({ _id: ID, workspaceId: TEXT, name: TEXT, value: TEXT, updatedAt: NUMBER }, { ...SCHEMA_OPTIONS, collection: 'secrets' });
  secretSchema.index({ workspaceId: 1, name: 1 }, { unique: true });
  const Secrets = connection.model<SecretDoc>('Secret', secretSchema);

  const history: HistoryStore = {
    async load(workspaceId, contactId) {
      const docs = await History.find({ workspaceId, contactId }, { messages: 1 }).sort({ seq: 1 }).lean<Pick<HistoryDoc, '_id' | 'messages'>[]>();
      return docs.flatMap((doc) => doc.messages.map((message) => ({ role: message.role, content: message.content })));
    },
    async append(workspaceId, contactId, messages, key) {
      // Taken once per key, even for an empty append; `clear` forgets the keys with the messages.
      if ((await History.exists({ workspaceId, contactId, key })) !== null) return;
      const doc: HistoryDoc = {
        _id: newId(),
        workspaceId,
        contactId,
        key,
        seq: await nextSeq(context, historyCounter(workspaceId, contactId)),
        messages: messages.map((message) => ({ role: message.role, content: message.content })),
      };
      try {
        await History.create([doc]);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error; // a concurrent append of the same key was first
      }
    },
    async clear(workspaceId, contactId) {
      await History.deleteMany({ workspaceId, contactId });
    },
  };

  const kv: KvStore = {
    async get(workspaceId, plugin, key) {
      const doc = await Kv.findOne({ workspaceId, plugin, key }, { value: 1 }).lean<Pick<KvDoc, '_id' | 'value'>>();
      return doc === null ? undefined : (JSON.parse(doc.value) as unknown);
    },
    async set(workspaceId, plugin, key, value) {
      const text = JSON.stringify(value) as string | undefined;
      // A value JSON cannot hold (`undefined`) leaves the key missing, as in the in-memory store.
      if (text === undefined) {
        await Kv.deleteOne({ workspaceId, plugin, key });
        return;
      }
      await retryOnDuplicate(() => Kv.updateOne({ workspaceId, plugin, key }, { $set: { value: text }, $setOnInsert: { _id: newId() } }, { upsert: true }));
    },
    async delete(workspaceId, plugin, key) {
      await Kv.deleteOne({ workspaceId, plugin, key });
    },
  };

  const secrets: Store['secrets'] = {
    async get(workspaceId, name) {
      const doc = await Secrets.findOne({ workspaceId, name }, { value: 1 }).lean<Pick<SecretDoc, '_id' | 'value'>>();
      return doc === null ? undefined : doc.value;
    },
    async put(workspaceId, name, value) {
      await retryOnDuplicate(() =>
        Secrets.updateOne({ workspaceId, name }, { $set: { value, updatedAt: now() }, $setOnInsert: { _id: newId() } }, { upsert: true }),
      );
    },
    async delete(workspaceId, name) {
      const result = await Secrets.deleteOne({ workspaceId, name });
      return result.deletedCount > 0;
    },
    async names(workspaceId) {
      const docs = await Secrets.find({ workspaceId }, { name: 1 }).sort({ name: 1 }).lean<Pick<SecretDoc, '_id' | 'name'>[]>();
      return docs.map((doc) => doc.name);
    },
  };

  const models: Syncable[] = [History, Kv, Secrets];
  return { history, kv, secrets, models };
}
