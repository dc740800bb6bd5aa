import { randomUUID } from 'node:crypto';
import { NexusError } from '@nexusflow/engine';
import type { SessionEvents } from '../runtime/session-events.js';
import type { SessionInfo, Store, TranscriptEntry } from '../store/types.js';
import type { ChannelHubControl } from './channel-hub.js';

export interface OperatorDesk {
  /** Pauses the flow for this conversation: the person's messages wait for an operator. */
  takeOver(session: SessionInfo, operatorId: string): Promise<SessionInfo>;
  /** Gives the conversation back to the flow; the next message runs it from where it stood. */
  handBack(session: SessionInfo): Promise<SessionInfo>;
  /**
   * An operator's answer: sent on the person's channel first (a refusal, such as WhatsApp's
   * 24-hour window, throws and writes nothing), then written to the transcript and to the
   * contact's memory, so the model sees it in later turns.
   */
  send(session: SessionInfo, operatorId: string, text: string): Promise<TranscriptEntry>;
}

/** Human handoff of conversations. */
export function createOperatorDesk(deps: { store: Store; events: SessionEvents; channels: ChannelHubControl; now: () => number }): OperatorDesk {
  const { store, events, channels, now } = deps;
  return {
    async takeOver(session, operatorId) {
      if (session.handoff !== undefined) return session;
      const handoff = { by: operatorId, at: now() };
      const taken = await store.sessions.setHandoff(session.workspaceId, session.id, handoff);
      if (taken === undefined) throw new NexusError('not_found', `conversation ${session.id} no longer exists`);
      events.emit({ type: 'handoff', sessionId: session.id, handoff });
      return taken;
    },
    async handBack(session) {
      const back = await store.sessions.setHandoff(session.workspaceId, session.id, null);
      if (back === undefined) throw new NexusError('not_found', `conversation ${session.id} no longer exists`);
      events.emit({ type: 'handoff', sessionId: session.id });
      return back;
    },
    async send(session, operatorId, text) {
      if (session.handoff === undefined) {
        throw new NexusError('handoff_required', 'take the conversation over before answering it, so the flow and you do not both reply');
      }
      const key = `${session.id}/operator/${randomUUID()}`;
      await channels.deliver({ sessionId: session.id, workspaceId: session.workspaceId }, key, { text }, 'operator');
      const { entry } = await store.transcripts.append({ sessionId: session.id, workspaceId: session.workspaceId, role: 'operator', text, payload: { operatorId }, key, at: now() });
      events.emit({ type: 'reply', sessionId: session.id, entry });
      await store.history.append(session.workspaceId, session.contactId, [{ role: 'assistant', content: text }], key);
      return entry;
    },
  };
}
