import { NexusError, type ChannelPort, type OutboundMessage } from '@nexusflow/engine';
import { nextCallIndex } from '../call-sequence.js';
import { unknownMethod } from '../args.js';
import type { CapabilityHandler } from '../types.js';

const MAX_TEXT = 4096;

function checkMessage(value: unknown): OutboundMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NexusError('capability_failed', 'channel.send needs a message object such as { text: "hello" }');
  }
  const message = value as OutboundMessage;
  if (message.text !== undefined && (typeof message.text !== 'string' || message.text.length > MAX_TEXT)) {
    throw new NexusError('capability_failed', `channel.send: text must be a string of at most ${MAX_TEXT} characters`);
  }
  if (message.text === undefined && message.media === undefined) {
    throw new NexusError('capability_failed', 'channel.send needs text or media');
  }
  return message;
}

/** `ctx.channel.send`: each send of a step carries a sequence number, so a re-run step repeats none. */
export function createChannelCapability(channel: ChannelPort): CapabilityHandler {
  return async (method, args, context) => {
    if (method !== 'send') throw unknownMethod('channel', method);
    await channel.send(context, checkMessage(args[0]), nextCallIndex(context, 'channel.send'));
    return null;
  };
}

export interface RecordedDelivery {
  key: string;
  sessionKey: string;
  message: OutboundMessage;
  streamed: boolean;
}

/**
 * A channel that keeps what it delivered and refuses a repeated key, as real adapters must: for
 * tests, benchmarks and the terminal chat (`onDeliver` prints).
 */
export function createRecordingChannel(options: { onDeliver?: (delivery: RecordedDelivery) => void; onDelta?: (delta: string) => void } = {}) {
  const delivered: RecordedDelivery[] = [];
  const keys = new Set<string>();
  const deliver = (delivery: RecordedDelivery) => {
    if (keys.has(delivery.key)) return;
    keys.add(delivery.key);
    delivered.push(delivery);
    options.onDeliver?.(delivery);
  };
  const port: ChannelPort = {
    async send(context, message, sequence) {
      deliver({ key: `${context.idempotencyKey}/send/${sequence}`, sessionKey: context.sessionKey, message, streamed: false });
    },
    stream(context, sequence) {
      return {
        write: (delta) => options.onDelta?.(delta),
        end: async (fullText) =>
          deliver({ key: `${context.idempotencyKey}/stream/${sequence}`, sessionKey: context.sessionKey, message: { text: fullText }, streamed: true }),
        abort: () => undefined,
      };
    },
  };
  return { port, delivered };
}
