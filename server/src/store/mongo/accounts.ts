import { Schema } from 'mongoose';
import { StoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { Member, MemberRepository, Role, User, UserRepository, Workspace, WorkspaceRepository } from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT, inTransaction, retryOnDuplicate } from './common.js';
import type { MongoContext, Syncable } from './common.js';

interface UserDoc {
  _id: string;
  /** Lowercased. */
  email: string;
  name: string;
  passwordHash: string;
  createdAt: number;
}

interface WorkspaceDoc {
  _id: string;
  name: string;
  createdAt: number;
}

interface MemberDoc {
  _id: string;
  workspaceId: string;
  userId: string;
  role: Role;
  createdAt: number;
}

const ROLE = { type: String, enum: ['owner', 'admin', 'editor', 'viewer'] } as const;

const toUser = (doc: UserDoc): User => ({ id: doc._id, email: doc.email, name: doc.name, passwordHash: doc.passwordHash, createdAt: doc.createdAt });
const toWorkspace = (doc: WorkspaceDoc): Workspace => ({ id: doc._id, name: doc.name, createdAt: doc.createdAt });
const toMember = (doc: MemberDoc): Member => ({ workspaceId: doc.workspaceId, userId: doc.userId, role: doc.role, createdAt: doc.createdAt });

/** Users, workspaces and memberships. */
export function accountRepositories(context: MongoContext) {
  const { connection, now } = context;

  const userSchema = new Schema<UserDoc>(
    {
      _id: ID,
      email: TEXT,
      name: TEXT,
      passwordHash: TEXT,
      createdAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'users' },
  );
  userSchema.index({ email: 1 }, { unique: true });
  const Users = connection.model<UserDoc>('User', userSchema);

  const workspaceSchema = new Schema<WorkspaceDoc>(
    { _id: ID, name: TEXT, createdAt: NUMBER },
    { ...SCHEMA_OPTIONS, collection: 'workspaces' },
  );
  const Workspaces = connection.model<WorkspaceDoc>('Workspace', workspaceSchema);

  const memberSchema = new Schema<MemberDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      userId: TEXT,
      role: ROLE,
      createdAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'members' },
  );
  memberSchema.index({ workspaceId: 1, userId: 1 }, { unique: true });
  memberSchema.index({ userId: 1 });
  const Members = connection.model<MemberDoc>('Member', memberSchema);

  const users: UserRepository = {
    async create(input) {
      const doc: UserDoc = { _id: newId(), email: input.email.toLowerCase(), name: input.name, passwordHash: input.passwordHash, createdAt: now() };
      await Users.create([doc]);
      return toUser(doc);
    },
    async byId(id) {
      const doc = await Users.findOne({ _id: id }).lean<UserDoc>();
      return doc === null ? undefined : toUser(doc);
    },
    async byEmail(email) {
      const doc = await Users.findOne({ email: email.toLowerCase() }).lean<UserDoc>();
      return doc === null ? undefined : toUser(doc);
    },
  };

  const workspaces: WorkspaceRepository = {
    async create(input) {
      if ((await Users.exists({ _id: input.ownerId })) === null) throw new StoreError('not_found', `no user has the id ${input.ownerId}`);
      const at = now();
      const workspace: WorkspaceDoc = { _id: newId(), name: input.name, createdAt: at };
      const owner: MemberDoc = { _id: newId(), workspaceId: workspace._id, userId: input.ownerId, role: 'owner', createdAt: at };
      await inTransaction(context, async (session) => {
        await Workspaces.create([workspace], { session });
        await Members.create([owner], { session });
      });
      return toWorkspace(workspace);
    },
    async byId(id) {
      const doc = await Workspaces.findOne({ _id: id }).lean<WorkspaceDoc>();
      return doc === null ? undefined : toWorkspace(doc);
    },
    async rename(id, name) {
      const doc = await Workspaces.findOneAndUpdate({ _id: id }, { $set: { name } }, { new: true }).lean<WorkspaceDoc>();
      return doc === null ? undefined : toWorkspace(doc);
    },
    async forUser(userId) {
      const memberships = await Members.find({ userId }).lean<MemberDoc[]>();
      const roles = new Map(memberships.map((member) => [member.workspaceId, member.role]));
      const docs = await Workspaces.find({ _id: { $in: [...roles.keys()] } })
        .sort({ createdAt: 1, _id: 1 })
        .lean<WorkspaceDoc[]>();
      return docs.map((doc) => ({ ...toWorkspace(doc), role: roles.get(doc._id) ?? 'viewer' }));
    },
    async listIds() {
      const docs = await Workspaces.find({}, { _id: 1 }).sort({ createdAt: 1, _id: 1 }).lean<Pick<WorkspaceDoc, '_id'>[]>();
      return docs.map((doc) => doc._id);
    },
  };

  const members: MemberRepository = {
    async list(workspaceId) {
      const docs = await Members.find({ workspaceId }).sort({ createdAt: 1, userId: 1 }).lean<MemberDoc[]>();
      const people = await Users.find({ _id: { $in: docs.map((doc) => doc.userId) } }).lean<UserDoc[]>();
      const byId = new Map(people.map((user) => [user._id, user]));
      return docs.flatMap((doc) => {
        const user = byId.get(doc.userId);
        return user === undefined ? [] : [{ ...toMember(doc), email: user.email, name: user.name }];
      });
    },
    async get(workspaceId, userId) {
      const doc = await Members.findOne({ workspaceId, userId }).lean<MemberDoc>();
      return doc === null ? undefined : toMember(doc);
    },
    async put(workspaceId, userId, role) {
      if ((await Workspaces.exists({ _id: workspaceId })) === null) throw new StoreError('not_found', `no workspace has the id ${workspaceId}`);
      if ((await Users.exists({ _id: userId })) === null) throw new StoreError('not_found', `no user has the id ${userId}`);
      const doc = await retryOnDuplicate(() =>
        Members.findOneAndUpdate(
          { workspaceId, userId },
          { $set: { role }, $setOnInsert: { _id: newId(), createdAt: now() } },
          { upsert: true, new: true, runValidators: true },
        ).lean<MemberDoc>(),
      );
      if (doc === null) throw new Error('member upsert answered nothing');
      return toMember(doc);
    },
    async remove(workspaceId, userId) {
      const result = await Members.deleteOne({ workspaceId, userId });
      return result.deletedCount > 0;
    },
    async countOwners(workspaceId) {
      return Members.countDocuments({ workspaceId, role: 'owner' });
    },
  };

  const models: Syncable[] = [Users, Workspaces, Members];
  return { users, workspaces, members, models };
}
