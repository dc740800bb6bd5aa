import type { CapabilityContext, ChannelPort, OutboundMessage } from '@nexusflow/engine';
import type { Store, TranscriptEntry } from '../store/types.js';
import type { KillSwitch } from './kill-switch.js';
import type { SessionEvents } from './session-events.js';

/**
 * The server's channel port: every reply is written to the session's transcript once per
 * idempotency key (a step re-run after a crash or a sandbox restart adds nothing); only a new
 * entry is announced to whoever listens to the session (sockets, SSE, the OpenAI-compatible API),
 * and every reply is handed to the outbound router, which sends it on channels such as WhatsApp.
 */
/** Sends a reply on to the person's channel (WhatsApp ...); set once the channel hub exists. */
export type OutboundRouter = (target: { sessionId: string; workspaceId: string }, key: string, message: OutboundMessage) => Promise<void>;

export function createServerChannel(deps: { store: Store; events: SessionEvents; now: () => number; kill: KillSwitch; outbound: () => OutboundRouter | undefined }): ChannelPort {
  async function deliver(context: CapabilityContext, key: string, message: OutboundMessage, streamId?: string): Promise<TranscriptEntry> {
    const payload: Record<string, unknown> = {};
    if (message.buttons !== undefined) payload.buttons = message.buttons;
    if (message.media !== undefined) payload.media = message.media;
    const { entry, created } = await deps.store.transcripts.append({
      sessionId: context.sessionKey,
      workspaceId: context.workspaceId,
      role: 'bot',
      text: message.text ?? '',
      ...(Object.keys(payload).length > 0 ? { payload } : {}),
      key,
      at: deps.now(),
    });
    if (created) deps.events.emit(streamId === undefined ? { type: 'reply', sessionId: context.sessionKey, entry } : { type: 'reply', sessionId: context.sessionKey, entry, streamId });
    // Also when the entry existed: a step re-run after a crash may not have sent it yet; the
    // adapter's sent-key table makes the second call a no-op when it had (W-10).
    await deps.outbound()?.({ sessionId: context.sessionKey, workspaceId: context.workspaceId }, key, message);
    deps.kill.reach('after-send');
    return entry;
  }

  return {
    async send(context, message, sequence) {
      await deliver(context, `${context.idempotencyKey}/send/${sequence}`, message);
    },
    stream(context, sequence) {
      const key = `${context.idempotencyKey}/stream/${sequence}`;
      let tokens = 0;
      return {
        write(delta) {
          deps.events.emit({ type: 'token', sessionId: context.sessionKey, streamId: key, delta });
          tokens += 1;
          if (tokens === 3) deps.kill.reach('mid-stream');
        },
        async end(fullText) {
          await deliver(context, key, { text: fullText }, key);
        },
        abort(reason) {
          deps.events.emit({ type: 'stream.aborted', sessionId: context.sessionKey, streamId: key, reason });
        },
      };
    },
  };
}
