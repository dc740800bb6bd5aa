import { Schema } from 'mongoose';
import type { FlowDocument } from '@nexusflow/schemas';
import { StoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { Deployment, DeploymentRepository, Flow, FlowRepository, FlowVersion, FlowVersionRepository } from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT, fromJson, inTransaction, nextSeq, pageOf, toJson } from './common.js';
import type { MongoContext, Syncable } from './common.js';

interface FlowDoc {
  /** Internal (`newId()`): flow ids are unique per workspace only, an imported flow keeps its id. */
  _id: string;
  workspaceId: string;
  /** `Flow.id`. */
  flowId: string;
  name: string;
  /** The FlowDocument as JSON: user data, its keys may start with `$` or contain `.`. */
  document: string;
  revision: number;
  createdAt: number;
  updatedAt: number;
}

interface VersionDoc {
  _id: string;
  workspaceId: string;
  flowId: string;
  version: number;
  /** JSON, as in `FlowDoc`. */
  document: string;
  hash: string;
  note?: string;
  createdBy: string;
  createdAt: number;
}

interface DeploymentDoc {
  _id: string;
  workspaceId: string;
  flowId: string;
  key: string;
  name: string;
  versionId: string;
  publishableKey: string;
  history: { versionId: string; at: number; by: string }[];
  createdAt: number;
  updatedAt: number;
}

/** The counter of a flow's version numbers. */
const versionCounter = (workspaceId: string, flowId: string) => `version:${workspaceId}:${flowId}`;

/** The stored draft always carries the flow's id (`Flow.document.id` equals `Flow.id`). */
const documentOf = (id: string, document: FlowDocument): string => toJson({ ...document, id });

function toFlowSummary(doc: FlowDoc): Omit<Flow, 'document'> {
  return { id: doc.flowId, workspaceId: doc.workspaceId, name: doc.name, revision: doc.revision, createdAt: doc.createdAt, updatedAt: doc.updatedAt };
}

const toFlow = (doc: FlowDoc): Flow => ({ ...toFlowSummary(doc), document: fromJson<FlowDocument>(doc.document) });

function toVersionSummary(doc: VersionDoc): Omit<FlowVersion, 'document'> {
  const version: Omit<FlowVersion, 'document'> = {
    id: doc._id,
    workspaceId: doc.workspaceId,
    flowId: doc.flowId,
    version: doc.version,
    hash: doc.hash,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
  };
  if (doc.note !== undefined) version.note = doc.note;
  return version;
}

const toVersion = (doc: VersionDoc): FlowVersion => ({ ...toVersionSummary(doc), document: fromJson<FlowDocument>(doc.document) });

function toDeployment(doc: DeploymentDoc): Deployment {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    flowId: doc.flowId,
    key: doc.key,
    name: doc.name,
    versionId: doc.versionId,
    publishableKey: doc.publishableKey,
    history: doc.history.map(({ versionId, at, by }) => ({ versionId, at, by })),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Flows (drafts), their published versions, and deployments. */
export function flowRepositories(context: MongoContext) {
  const { connection, now } = context;

  const flowSchema = new Schema<FlowDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      flowId: TEXT,
      name: TEXT,
      document: TEXT,
      revision: NUMBER,
      createdAt: NUMBER,
      updatedAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'flows' },
  );
  flowSchema.index({ workspaceId: 1, flowId: 1 }, { unique: true });
  flowSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
  const Flows = connection.model<FlowDoc>('Flow', flowSchema);

  const versionSchema = new Schema<VersionDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      flowId: TEXT,
      version: NUMBER,
      document: TEXT,
      hash: TEXT,
      note: { type: String },
      createdBy: TEXT,
      createdAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'flow_versions' },
  );
  versionSchema.index({ workspaceId: 1, flowId: 1, version: 1 }, { unique: true });
  const Versions = connection.model<VersionDoc>('FlowVersion', versionSchema);

  const deploymentSchema = new Schema<DeploymentDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      flowId: TEXT,
      key: TEXT,
      name: TEXT,
      versionId: TEXT,
      publishableKey: TEXT,
      history: { type: [new Schema({ versionId: TEXT, at: NUMBER, by: TEXT }, { _id: false, versionKey: false })] },
      createdAt: NUMBER,
      updatedAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'deployments' },
  );
  deploymentSchema.index({ workspaceId: 1, key: 1 }, { unique: true });
  deploymentSchema.index({ publishableKey: 1 }, { unique: true });
  deploymentSchema.index({ workspaceId: 1, flowId: 1 });
  deploymentSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
  const Deployments = connection.model<DeploymentDoc>('Deployment', deploymentSchema);

  /** A version a deployment may point at: one of this workspace's, of this flow. */
  async function requireVersion(workspaceId: string, flowId: string, versionId: string): Promise<void> {
    const found = await Versions.exists({ _id: versionId, workspaceId, flowId });
    if (found === null) throw new StoreError('not_found', `version ${versionId} is not a version of flow ${flowId} in this workspace`);
  }

  const flows: FlowRepository = {
    async create(workspaceId, input) {
      const at = now();
      const id = input.id ?? newId();
      const doc: FlowDoc = { _id: newId(), workspaceId, flowId: id, name: input.name, document: documentOf(id, input.document), revision: 1, createdAt: at, updatedAt: at };
      await Flows.create([doc]);
      return toFlow(doc);
    },
    async get(workspaceId, id) {
      const doc = await Flows.findOne({ workspaceId, flowId: id }).lean<FlowDoc>();
      return doc === null ? undefined : toFlow(doc);
    },
    list(workspaceId, query) {
      return pageOf(Flows, { workspaceId }, 'createdAt', query, toFlowSummary, { document: 0 });
    },
    async update(workspaceId, id, patch, expectedRevision) {
      const set: Partial<FlowDoc> = { updatedAt: now() };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.document !== undefined) set.document = documentOf(id, patch.document);
      const filter = expectedRevision === undefined ? { workspaceId, flowId: id } : { workspaceId, flowId: id, revision: expectedRevision };
      const doc = await Flows.findOneAndUpdate(filter, { $set: set, $inc: { revision: 1 } }, { new: true }).lean<FlowDoc>();
      if (doc !== null) return toFlow(doc);
      if (expectedRevision !== undefined && (await Flows.exists({ workspaceId, flowId: id })) !== null) {
        throw new StoreError('conflict', `flow ${id} was saved by someone else since revision ${expectedRevision}; reload it and save again`);
      }
      return undefined;
    },
    async delete(workspaceId, id) {
      return inTransaction(context, async (session) => {
        const removed = await Flows.deleteOne({ workspaceId, flowId: id }, { session });
        if (removed.deletedCount === 0) return false;
        await Versions.deleteMany({ workspaceId, flowId: id }, { session });
        await Deployments.deleteMany({ workspaceId, flowId: id }, { session });
        await context.counters.deleteOne({ _id: versionCounter(workspaceId, id) }, { session });
        return true;
      });
    },
  };

  const versions: FlowVersionRepository = {
    async publish(workspaceId, flowId, input) {
      if ((await Flows.exists({ workspaceId, flowId })) === null) {
        throw new StoreError('not_found', `flow ${flowId} does not exist in this workspace`);
      }
      const version = await nextSeq(context, versionCounter(workspaceId, flowId));
      const doc: VersionDoc = {
        _id: newId(),
        workspaceId,
        flowId,
        version,
        document: toJson(input.document),
        hash: input.hash,
        createdBy: input.createdBy,
        createdAt: now(),
      };
      if (input.note !== undefined) doc.note = input.note;
      await Versions.create([doc]);
      return toVersion(doc);
    },
    async get(workspaceId, id) {
      const doc = await Versions.findOne({ _id: id, workspaceId }).lean<VersionDoc>();
      return doc === null ? undefined : toVersion(doc);
    },
    async list(workspaceId, flowId) {
      const docs = await Versions.find({ workspaceId, flowId }, { document: 0 }).sort({ version: -1 }).lean<VersionDoc[]>();
      return docs.map(toVersionSummary);
    },
  };

  const deployments: DeploymentRepository = {
    async create(workspaceId, input) {
      await requireVersion(workspaceId, input.flowId, input.versionId);
      const at = now();
      const doc: DeploymentDoc = {
        _id: newId(),
        workspaceId,
        flowId: input.flowId,
        key: input.key,
        name: input.name,
        versionId: input.versionId,
        publishableKey: input.publishableKey,
        history: [{ versionId: input.versionId, at, by: input.by }],
        createdAt: at,
        updatedAt: at,
      };
      await Deployments.create([doc]);
      return toDeployment(doc);
    },
    async get(workspaceId, id) {
      const doc = await Deployments.findOne({ _id: id, workspaceId }).lean<DeploymentDoc>();
      return doc === null ? undefined : toDeployment(doc);
    },
    async byKey(workspaceId, key) {
      const doc = await Deployments.findOne({ workspaceId, key }).lean<DeploymentDoc>();
      return doc === null ? undefined : toDeployment(doc);
    },
    async byPublishableKey(publishableKey) {
      const doc = await Deployments.findOne({ publishableKey }).lean<DeploymentDoc>();
      return doc === null ? undefined : toDeployment(doc);
    },
    async list(workspaceId, flowId) {
      const filter = flowId === undefined ? { workspaceId } : { workspaceId, flowId };
      const docs = await Deployments.find(filter).sort({ createdAt: -1, _id: -1 }).lean<DeploymentDoc[]>();
      return docs.map(toDeployment);
    },
    async setVersion(workspaceId, id, versionId, by) {
      const current = await Deployments.findOne({ _id: id, workspaceId }, { flowId: 1 }).lean<Pick<DeploymentDoc, '_id' | 'flowId'>>();
      if (current === null) return undefined;
      await requireVersion(workspaceId, current.flowId, versionId);
      const at = now();
      const doc = await Deployments.findOneAndUpdate(
        { _id: id, workspaceId },
        { $set: { versionId, updatedAt: at }, $push: { history: { versionId, at, by } } },
        { new: true },
      ).lean<DeploymentDoc>();
      return doc === null ? undefined : toDeployment(doc);
    },
    async delete(workspaceId, id) {
      const result = await Deployments.deleteOne({ _id: id, workspaceId });
      return result.deletedCount > 0;
    },
  };

  const models: Syncable[] = [Flows, Versions, Deployments];
  return { flows, versions, deployments, models };
}
