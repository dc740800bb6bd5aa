import { randomUUID } from 'node:crypto';
import { NexusError, type SessionRuntime, type TurnResult } from '@nexusflow/engine';
import type { FlowDocument } from '@nexusflow/schemas';
import { MAX_PENDING_PER_SESSION, createLocalSessionLine, type SessionLine } from '../cluster/session-line.js';
import { ApiError } from '../http/api-error.js';
import type { SessionEvent, SessionEvents } from '../runtime/session-events.js';
import type { ChannelKind, Deployment, SessionInfo, Store, TranscriptEntry } from '../store/types.js';

/** Longest user message a channel may send, in characters. */
export const MAX_MESSAGE_CHARS = 8000;
/** What a person reads when their conversation had to start again on a new version of the flow. */
export const CONVERSATION_RESTARTED = 'This bot was updated while we were talking, so our conversation starts again from the beginning.';

export interface InboundMessage {
  text: string;
  /** Button payload or other structured data. */
  payload?: unknown;
  /** The client's id for the message: sending it twice processes it once. */
  clientMessageId?: string;
}

export interface ChatTurn {
  sessionId: string;
  contactId: string;
  result: TurnResult;
  /** The bot's replies of this turn, in order. */
  replies: TranscriptEntry[];
  /** True when the same clientMessageId was seen before and nothing ran again. */
  duplicate: boolean;
  /** True when an operator has the conversation: the message was stored for them, the flow did not run. */
  handedOff: boolean;
}

export interface ChatService {
  /** Opens (or finds) the conversation of a contact with a deployment. */
  open(deployment: Deployment, channel: ChannelKind, externalContactId: string, contactName?: string): Promise<SessionInfo>;
  /**
   * Runs one turn: stores the user message, runs the flow, answers with the replies. `listener`
   * sees the turn's events (tokens, replies, trace) as they happen.
   */
  send(deployment: Deployment, channel: ChannelKind, externalContactId: string, message: InboundMessage, listener?: (event: SessionEvent) => void): Promise<ChatTurn>;
  /** `send` for a conversation the caller already opened (a channel that also named the contact). */
  sendIn(session: SessionInfo, deployment: Deployment, message: InboundMessage): Promise<ChatTurn>;
  /** Starts the conversation again on the deployment's live version. */
  reset(deployment: Deployment, channel: ChannelKind, externalContactId: string): Promise<SessionInfo>;
  /** Stops accepting messages; running turns finish. */
  close(): Promise<void>;
}

export function checkMessage(value: unknown): InboundMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'invalid_message', 'a message must be an object such as { "text": "hello" }');
  const m = value as Record<string, unknown>;
  if (typeof m.text !== 'string') throw new ApiError(400, 'invalid_message', 'message.text must be a string', [{ pointer: '/text', message: 'must be a string' }]);
  if (m.text.length > MAX_MESSAGE_CHARS) throw new ApiError(413, 'message_too_long', `message.text must be at most ${MAX_MESSAGE_CHARS} characters; got ${m.text.length}`, [{ pointer: '/text', message: 'too long' }]);
  const out: InboundMessage = { text: m.text };
  if (m.payload !== undefined) {
    if (JSON.stringify(m.payload).length > 4096) throw new ApiError(413, 'message_too_long', 'message.payload must be at most 4096 characters of JSON', [{ pointer: '/payload', message: 'too large' }]);
    out.payload = m.payload;
  }
  if (m.clientMessageId !== undefined) {
    if (typeof m.clientMessageId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(m.clientMessageId)) {
      throw new ApiError(400, 'invalid_message', 'clientMessageId must be 1 to 64 letters, digits, "_" or "-"', [{ pointer: '/clientMessageId', message: 'bad format' }]);
    }
    out.clientMessageId = m.clientMessageId;
  }
  return out;
}

/**
 * Conversations over the session runtime. One session per (deployment, contact). A conversation
 * stays on the flow version it started on; between conversations (no turn running, not parked
 * on a wait) it moves to the deployment's live version, so publishing never resets anyone mid-way.
 */
export function createChatService(deps: {
  store: Store;
  runtime: SessionRuntime;
  events: SessionEvents;
  /** A published version's document (the flow host's cache). */
  versionDocument: (workspaceId: string, versionId: string) => Promise<FlowDocument | undefined>;
  now?: () => number;
  line?: SessionLine;
}): ChatService {
  const { store, runtime, events } = deps;
  const now = deps.now ?? Date.now;
  // One turn at a time per conversation, in arrival order: in memory, or across processes (Redis).
  const queue = deps.line ?? createLocalSessionLine(MAX_PENDING_PER_SESSION);
  let closed = false;

  function refuseWhenClosed(): void {
    if (closed) throw new NexusError('runtime_closed', 'the server is shutting down; send the message again in a moment');
  }

  async function open(deployment: Deployment, channel: ChannelKind, externalContactId: string, contactName?: string): Promise<SessionInfo> {
    const contact = await store.contacts.upsert(deployment.workspaceId, channel, externalContactId, now(), contactName);
    return store.sessions.open(deployment.workspaceId, { deploymentId: deployment.id, contactId: contact.id, channel, versionId: deployment.versionId });
  }

  /** Between conversations, a session follows the deployment to its live version. */
  async function followLiveVersion(session: SessionInfo, deployment: Deployment): Promise<void> {
    if (session.versionId === deployment.versionId) return;
    const status = session.record?.status;
    if (status === 'parked' || status === 'running') return;
    await store.sessions.setVersion(session.workspaceId, session.id, deployment.versionId);
  }

  /**
   * The engine moved the conversation (its flow was republished without the node it waited on, or
   * its version is gone, C-05): the person hears it, as a system message, before the new replies.
   */
  async function tellNotice(session: SessionInfo, turn: number, detail: string): Promise<void> {
    try {
      const { entry, created } = await store.transcripts.append({
        sessionId: session.id,
        workspaceId: session.workspaceId,
        role: 'system',
        text: CONVERSATION_RESTARTED,
        payload: { notice: detail },
        key: `${session.id}/notice/${turn}`,
        at: now(),
      });
      if (created) events.emit({ type: 'reply', sessionId: session.id, entry });
    } catch {
      // The notice is a courtesy; the turn goes on without it (the trace keeps the detail).
    }
  }

  /** The variables a flow collected become the contact's, for every later conversation and the editor. */
  async function rememberVars(session: SessionInfo, before: Record<string, unknown> | undefined): Promise<void> {
    try {
      const after = await store.sessions.get(session.workspaceId, session.id);
      const vars = after?.record?.context?.vars;
      if (after === undefined || vars === undefined) return;
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      // Only what this turn changed, and not the flow's defaults: those say nothing about the person.
      const changed = Object.entries(vars).filter(([name, value]) => before === undefined || !same(value, before[name]));
      if (changed.length === 0) return;
      const defaults = (await deps.versionDocument(session.workspaceId, after.versionId))?.variables ?? {};
      const collected = Object.fromEntries(changed.filter(([name, value]) => !same(value, defaults[name])));
      if (Object.keys(collected).length > 0) await store.contacts.mergeVars(session.workspaceId, session.contactId, collected);
    } catch {
      // A courtesy for the contact list: the conversation itself is already stored.
    }
  }

  async function runTurn(session: SessionInfo, deployment: Deployment, message: InboundMessage, listener?: (event: SessionEvent) => void): Promise<ChatTurn> {
    const key = `${session.id}/in/${message.clientMessageId ?? randomUUID()}`;
    const latest = (await store.deployments.get(deployment.workspaceId, deployment.id)) ?? deployment;
    const fresh = (await store.sessions.get(session.workspaceId, session.id)) ?? session;
    await followLiveVersion(fresh, latest);
    const { entry, created } = await store.transcripts.append({
      sessionId: session.id,
      workspaceId: session.workspaceId,
      role: 'user',
      text: message.text,
      ...(message.payload === undefined ? {} : { payload: { payload: message.payload } }),
      key,
      at: now(),
    });
    const replies: TranscriptEntry[] = [];
    const later = created ? [] : await store.transcripts.list(session.workspaceId, session.id, { afterSeq: entry.seq, limit: 50 });
    // A crash can fall between storing the message and starting its turn: then nothing came after
    // it and the session has not moved since, and the redelivered message runs now instead of being lost.
    const neverRan = !created && later.length === 0 && fresh.handoff === undefined && (fresh.record === undefined || fresh.record.updatedAt < entry.at);
    if (!created && !neverRan) {
      // Seen before: answer with what followed it, run nothing.
      for (const e of later) {
        if (e.role === 'user') break;
        if (e.role === 'bot') replies.push(e);
      }
      return { sessionId: session.id, contactId: session.contactId, result: { status: 'ended', turn: fresh.record?.turn ?? 0, steps: 0 }, replies, duplicate: true, handedOff: false };
    }
    if (created) events.emit({ type: 'message', sessionId: session.id, entry });
    if (fresh.handoff !== undefined) {
      // An operator answers: the flow stays where it is, and the model will see this message later.
      await store.history.append(session.workspaceId, session.contactId, [{ role: 'user', content: message.text }], key);
      const status = fresh.record?.status === 'parked' ? 'parked' : 'ended';
      return { sessionId: session.id, contactId: session.contactId, result: { status, turn: fresh.record?.turn ?? 0, steps: 0 }, replies, duplicate: false, handedOff: true };
    }
    const notices: Promise<void>[] = [];
    const stop = events.onLocal(session.id, (event) => {
      if (event.type === 'reply') replies.push(event.entry);
      else if (event.type === 'trace' && event.event.type === 'session.notice') notices.push(tellNotice(session, event.event.turn, event.event.message));
      listener?.(event);
    });
    events.emit({ type: 'typing', sessionId: session.id, on: true });
    try {
      const dispatched: Record<string, unknown> = { text: message.text };
      if (message.payload !== undefined) dispatched.payload = message.payload;
      const result = await runtime.dispatch(session.id, dispatched);
      await Promise.all(notices);
      replies.sort((a, b) => a.seq - b.seq);
      await rememberVars(session, fresh.record?.context?.vars);
      return { sessionId: session.id, contactId: session.contactId, result, replies, duplicate: false, handedOff: false };
    } finally {
      events.emit({ type: 'typing', sessionId: session.id, on: false });
      stop();
    }
  }

  return {
    open,
    async send(deployment, channel, externalContactId, message, listener) {
      refuseWhenClosed();
      const session = await open(deployment, channel, externalContactId);
      return queue.run(session.id, () => runTurn(session, deployment, message, listener));
    },
    async sendIn(session, deployment, message) {
      refuseWhenClosed();
      return queue.run(session.id, () => runTurn(session, deployment, message));
    },
    async reset(deployment, channel, externalContactId) {
      const session = await open(deployment, channel, externalContactId);
      return queue.run(session.id, async () => {
        await store.sessions.setVersion(session.workspaceId, session.id, deployment.versionId);
        await runtime.reset(session.id);
        return (await store.sessions.get(session.workspaceId, session.id)) ?? session;
      });
    },
    async close() {
      closed = true;
      await queue.idle();
    },
  };
}
