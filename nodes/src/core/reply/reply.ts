import { defineNode, type OutboundMessage } from '@nexusflow/engine/sdk';

export interface ReplyConfig {
  text?: string;
  buttons?: { title: string; payload?: string }[];
  media?: { url: string; type?: 'image' | 'audio' | 'video' | 'file' };
}

/** Sends the rendered message to the session's channel. */
export const reply = defineNode<ReplyConfig, 'out', 'channel'>({
  async run({ config }, ctx) {
    const message: OutboundMessage = {};
    if (config.text !== undefined) message.text = config.text;
    if (config.buttons !== undefined) message.buttons = config.buttons;
    if (config.media !== undefined) message.media = config.media;
    await ctx.channel.send(message);
    return { port: 'out', output: message };
  },
});
