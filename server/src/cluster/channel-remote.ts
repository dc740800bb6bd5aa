import { NexusError } from '@nexusflow/engine';
import type { Server } from 'socket.io';
import type { ChannelHubControl } from '../channels/channel-hub.js';
import type { RemoteChannelRequest, RemoteChannelResponse } from '../channels/remote.js';

const EVENT = 'nexusflow:channel';

/**
 * Lets the channel hubs of all processes ask each other through Socket.IO's server-side events
 * (carried by its Redis adapter): every process answers, the one running the connection with a
 * result, the others with null.
 */
export function connectChannelRemote(io: Server, hub: ChannelHubControl): void {
  io.on(EVENT, (request: RemoteChannelRequest, ack: (response: RemoteChannelResponse | null) => void) => {
    hub.handleRemote(request).then(
      (response) => ack(response ?? null),
      (error: unknown) => ack({ error: { code: 'channel_unavailable', message: error instanceof Error ? error.message : String(error) } }),
    );
  });
  hub.setRemote({
    async call(request) {
      let answers: (RemoteChannelResponse | null)[];
      try {
        // Bounded by the Redis adapter's request timeout (5 s).
        answers = (await io.serverSideEmitWithAck(EVENT, request)) as (RemoteChannelResponse | null)[];
      } catch (error) {
        throw new NexusError('channel_unavailable', `the server process running channel connection ${request.connectionId} did not answer in time; try again`, { cause: error });
      }
      return answers.find((answer): answer is RemoteChannelResponse => answer !== null && answer !== undefined);
    },
  });
}
