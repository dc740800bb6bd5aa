import { Schema } from 'mongoose';
import type { SessionRecord, TraceEvent } from '@nexusflow/engine';
import { StoreError, fencedError } from '../errors.js';
import { newId } from '../ids.js';
import type {
  ChannelKind,
  Contact,
  ContactRepository,
  Handoff,
  SessionInfo,
  SessionRepository,
  StoredTraceEvent,
  TraceRepository,
  TranscriptEntry,
  TranscriptRepository,
  TranscriptRole,
} from '../types.js';
import { ID, NUMBER, SCHEMA_OPTIONS, TEXT, fromJson, inTransaction, nextSeq, pageLimit, pageOf, retryOnDuplicate, toJson } from './common.js';
import type { MongoContext, Syncable } from './common.js';

const CHANNEL = { type: String, enum: ['web', 'api', 'studio', 'whatsapp', 'whatsapp-cloud'] } as const;

interface ContactDoc {
  _id: string;
  workspaceId: string;
  channel: ChannelKind;
  externalId: string;
  name?: string;
  /** JSON object: variables collected by flows (user data). */
  vars: string;
  firstSeenAt: number;
  lastSeenAt: number;
}

interface SessionDoc {
  _id: string;
  workspaceId: string;
  deploymentId: string;
  contactId: string;
  channel: ChannelKind;
  versionId: string;
  /** The engine's SessionRecord as JSON (its context is user data). */
  record?: string;
  /** `record.status`, kept beside it for `listRunning`. */
  status?: string;
  /** An operator's takeover, as JSON. */
  handoff?: string;
  /** The latest fencing token (`claim`); absent until the first claim. */
  fence?: number;
  createdAt: number;
  updatedAt: number;
}

interface TranscriptDoc {
  _id: string;
  workspaceId: string;
  sessionId: string;
  seq: number;
  role: TranscriptRole;
  text: string;
  /** JSON object. */
  payload?: string;
  key: string;
  at: number;
}

interface TraceDoc {
  _id: string;
  workspaceId: string;
  sessionId: string;
  seq: number;
  /** The TraceEvent as JSON. */
  event: string;
  at: number;
}

function toContact(doc: ContactDoc): Contact {
  const contact: Contact = {
    id: doc._id,
    workspaceId: doc.workspaceId,
    channel: doc.channel,
    externalId: doc.externalId,
    vars: fromJson<Record<string, unknown>>(doc.vars),
    firstSeenAt: doc.firstSeenAt,
    lastSeenAt: doc.lastSeenAt,
  };
  if (doc.name !== undefined) contact.name = doc.name;
  return contact;
}

function toSessionSummary(doc: SessionDoc): Omit<SessionInfo, 'record'> {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    deploymentId: doc.deploymentId,
    contactId: doc.contactId,
    channel: doc.channel,
    versionId: doc.versionId,
    ...(doc.handoff === undefined || doc.handoff === null ? {} : { handoff: JSON.parse(doc.handoff) as Handoff }),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function toSession(doc: SessionDoc): SessionInfo {
  const session: SessionInfo = toSessionSummary(doc);
  if (doc.record !== undefined) {
    // Damaged text is handed on as it is: the engine reports that session as unrecoverable (C-04).
    try {
      session.record = fromJson<SessionRecord>(doc.record);
    } catch {
      session.record = doc.record as unknown as SessionRecord;
    }
  }
  return session;
}

function toTranscriptEntry(doc: TranscriptDoc): TranscriptEntry {
  const entry: TranscriptEntry = { sessionId: doc.sessionId, workspaceId: doc.workspaceId, seq: doc.seq, role: doc.role, text: doc.text, key: doc.key, at: doc.at };
  if (doc.payload !== undefined) entry.payload = fromJson<Record<string, unknown>>(doc.payload);
  return entry;
}

const toStoredTrace = (doc: TraceDoc): StoredTraceEvent => ({ sessionId: doc.sessionId, workspaceId: doc.workspaceId, seq: doc.seq, event: fromJson<TraceEvent>(doc.event), at: doc.at });

/** `afterSeq` / `limit` of transcript and trace reads: entries after `afterSeq`, `limit` clamped like a page's. */
function seqRange(query: { afterSeq?: number; limit?: number } | undefined): { after: number; limit: number } {
  return { after: query?.afterSeq ?? 0, limit: pageLimit(query?.limit) };
}

const transcriptCounter = (workspaceId: string, sessionId: string) => `transcript:${workspaceId}:${sessionId}`;
const traceCounter = (workspaceId: string, sessionId: string) => `trace:${workspaceId}:${sessionId}`;

/** How often `mergeVars` retries when another merge changed the contact in between. */
const MERGE_ATTEMPTS = 10;

/** Contacts, sessions (conversations), transcripts and traces. */
export function conversationRepositories(context: MongoContext) {
  const { connection, now } = context;

  const contactSchema = new Schema<ContactDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      channel: CHANNEL,
      externalId: TEXT,
      name: { type: String },
      vars: TEXT,
      firstSeenAt: NUMBER,
      lastSeenAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'contacts' },
  );
  contactSchema.index({ workspaceId: 1, channel: 1, externalId: 1 }, { unique: true });
  contactSchema.index({ workspaceId: 1, firstSeenAt: -1, _id: -1 });
  const Contacts = connection.model<ContactDoc>('Contact', contactSchema);

  const sessionSchema = new Schema<SessionDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      deploymentId: TEXT,
      contactId: TEXT,
      channel: CHANNEL,
      versionId: TEXT,
      record: { type: String },
      status: { type: String },
      handoff: { type: String },
      fence: { type: Number },
      createdAt: NUMBER,
      updatedAt: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'sessions' },
  );
  sessionSchema.index({ workspaceId: 1, deploymentId: 1, contactId: 1 }, { unique: true });
  sessionSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
  sessionSchema.index({ status: 1 });
  const Sessions = connection.model<SessionDoc>('Session', sessionSchema);

  const transcriptSchema = new Schema<TranscriptDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      sessionId: TEXT,
      seq: NUMBER,
      role: { type: String, enum: ['user', 'bot', 'operator', 'system'] },
      text: TEXT,
      payload: { type: String },
      key: TEXT,
      at: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'transcripts' },
  );
  transcriptSchema.index({ workspaceId: 1, key: 1 }, { unique: true });
  transcriptSchema.index({ workspaceId: 1, sessionId: 1, seq: 1 }, { unique: true });
  const Transcripts = connection.model<TranscriptDoc>('Transcript', transcriptSchema);

  const traceSchema = new Schema<TraceDoc>(
    {
      _id: ID,
      workspaceId: TEXT,
      sessionId: TEXT,
      seq: NUMBER,
      event: TEXT,
      at: NUMBER,
    },
    { ...SCHEMA_OPTIONS, collection: 'traces' },
  );
  traceSchema.index({ workspaceId: 1, sessionId: 1, seq: 1 }, { unique: true });
  const Traces = connection.model<TraceDoc>('Trace', traceSchema);

  const contacts: ContactRepository = {
    async upsert(workspaceId, channel, externalId, at, name) {
      const update = {
        $max: { lastSeenAt: at },
        $setOnInsert: { _id: newId(), vars: '{}', firstSeenAt: at },
        ...(name === undefined ? {} : { $set: { name } }),
      };
      const doc = await retryOnDuplicate(() =>
        Contacts.findOneAndUpdate({ workspaceId, channel, externalId }, update, { upsert: true, new: true, runValidators: true }).lean<ContactDoc>(),
      );
      if (doc === null) throw new Error('contact upsert answered nothing');
      return toContact(doc);
    },
    async get(workspaceId, id) {
      const doc = await Contacts.findOne({ _id: id, workspaceId }).lean<ContactDoc>();
      return doc === null ? undefined : toContact(doc);
    },
    async byExternalId(workspaceId, channel, externalId) {
      const doc = await Contacts.findOne({ workspaceId, channel, externalId }).lean<ContactDoc>();
      return doc === null ? undefined : toContact(doc);
    },
    list(workspaceId, query) {
      return pageOf(Contacts, { workspaceId }, 'firstSeenAt', query, toContact);
    },
    async mergeVars(workspaceId, id, vars) {
      // Compare-and-set on the stored JSON: a merge that raced another one reads again.
      for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt += 1) {
        const doc = await Contacts.findOne({ _id: id, workspaceId }, { vars: 1 }).lean<Pick<ContactDoc, '_id' | 'vars'>>();
        if (doc === null) return;
        const merged = toJson({ ...fromJson<Record<string, unknown>>(doc.vars), ...vars });
        const result = await Contacts.updateOne({ _id: id, workspaceId, vars: doc.vars }, { $set: { vars: merged } });
        if (result.matchedCount > 0) return;
      }
      throw new StoreError('conflict', `the variables of contact ${id} kept changing while being merged; try again`);
    },
  };

  const sessions: SessionRepository = {
    async open(workspaceId, input) {
      const at = now();
      const doc = await retryOnDuplicate(() =>
        Sessions.findOneAndUpdate(
          { workspaceId, deploymentId: input.deploymentId, contactId: input.contactId },
          { $setOnInsert: { _id: newId(), channel: input.channel, versionId: input.versionId, createdAt: at, updatedAt: at } },
          { upsert: true, new: true, runValidators: true },
        ).lean<SessionDoc>(),
      );
      if (doc === null) throw new Error('session upsert answered nothing');
      return toSession(doc);
    },
    async get(workspaceId, id) {
      const doc = await Sessions.findOne({ _id: id, workspaceId }).lean<SessionDoc>();
      return doc === null ? undefined : toSession(doc);
    },
    async byId(id) {
      const doc = await Sessions.findOne({ _id: id }).lean<SessionDoc>();
      return doc === null ? undefined : toSession(doc);
    },
    list(workspaceId, query) {
      const filter: Record<string, unknown> = { workspaceId };
      if (query?.deploymentId !== undefined) filter.deploymentId = query.deploymentId;
      if (query?.contactId !== undefined) filter.contactId = query.contactId;
      return pageOf(Sessions, filter, 'createdAt', query, toSessionSummary, { record: 0 });
    },
    async saveRecord(id, record, fence) {
      const filter = fence === undefined ? { _id: id } : { _id: id, fence };
      const result = await Sessions.updateOne(filter, { $set: { record: toJson(record), status: record.status, updatedAt: now() } });
      if (result.matchedCount > 0) return;
      const current = await Sessions.findById(id, { fence: 1 }).lean<Pick<SessionDoc, 'fence'>>();
      if (current === null) throw new StoreError('not_found', `session ${id} does not exist; its record was not saved`);
      throw fencedError(id, fence as number, current.fence ?? 0);
    },
    async claim(id) {
      const doc = await Sessions.findOneAndUpdate({ _id: id }, { $inc: { fence: 1 } }, { new: true, projection: { fence: 1 } }).lean<Pick<SessionDoc, 'fence'>>();
      if (doc === null) throw new StoreError('not_found', `session ${id} does not exist; open it before running a turn`);
      return doc.fence ?? 1;
    },
    async setVersion(workspaceId, id, versionId) {
      await Sessions.updateOne({ _id: id, workspaceId }, { $set: { versionId, updatedAt: now() } });
    },
    async setHandoff(workspaceId, id, handoff) {
      const update = handoff === null ? { $unset: { handoff: 1 }, $set: { updatedAt: now() } } : { $set: { handoff: JSON.stringify({ by: handoff.by, at: handoff.at }), updatedAt: now() } };
      const doc = await Sessions.findOneAndUpdate({ _id: id, workspaceId }, update, { new: true }).lean<SessionDoc>();
      return doc === null ? undefined : toSession(doc);
    },
    async listRunning() {
      const docs = await Sessions.find({ status: 'running' }, { _id: 1 }).sort({ _id: 1 }).lean<Pick<SessionDoc, '_id'>[]>();
      return docs.map((doc) => doc._id);
    },
  };

  const transcripts: TranscriptRepository = {
    async append(entry) {
      // Key check, number and insert in one transaction, so numbers have no gaps even when appends
      // race: concurrent appends to a session conflict on its counter and run again; one that lost
      // the race to insert the same key runs again and finds it.
      return retryOnDuplicate(() =>
        inTransaction(context, async (session) => {
          const earlier = await Transcripts.findOne({ workspaceId: entry.workspaceId, key: entry.key }).session(session).lean<TranscriptDoc>();
          if (earlier !== null) return { entry: toTranscriptEntry(earlier), created: false };
          const doc: TranscriptDoc = {
            _id: newId(),
            workspaceId: entry.workspaceId,
            sessionId: entry.sessionId,
            seq: await nextSeq(context, transcriptCounter(entry.workspaceId, entry.sessionId), 1, session),
            role: entry.role,
            text: entry.text,
            key: entry.key,
            at: entry.at,
          };
          if (entry.payload !== undefined) doc.payload = toJson(entry.payload);
          await Transcripts.create([doc], { session });
          return { entry: toTranscriptEntry(doc), created: true };
        }),
      );
    },
    async list(workspaceId, sessionId, query) {
      const { after, limit } = seqRange(query);
      const docs = await Transcripts.find({ workspaceId, sessionId, seq: { $gt: after } })
        .sort({ seq: 1 })
        .limit(limit)
        .lean<TranscriptDoc[]>();
      return docs.map(toTranscriptEntry);
    },
  };

  const traces: TraceRepository = {
    async append(workspaceId, sessionId, events) {
      if (events.length === 0) return;
      const last = await nextSeq(context, traceCounter(workspaceId, sessionId), events.length);
      const first = last - events.length + 1;
      const docs = events.map(
        (event, index): TraceDoc => ({
          _id: newId(),
          workspaceId,
          sessionId,
          seq: first + index,
          event: toJson(event),
          at: typeof event.at === 'number' ? event.at : now(),
        }),
      );
      await Traces.insertMany(docs, { ordered: true, lean: true });
    },
    async list(workspaceId, sessionId, query) {
      const { after, limit } = seqRange(query);
      const docs = await Traces.find({ workspaceId, sessionId, seq: { $gt: after } })
        .sort({ seq: 1 })
        .limit(limit)
        .lean<TraceDoc[]>();
      return docs.map(toStoredTrace);
    },
  };

  const models: Syncable[] = [Contacts, Sessions, Transcripts, Traces];
  return { contacts, sessions, transcripts, traces, models };
}
