import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { applyChannelStatus, setChannels, type ChannelStatusEvent, type ChannelView } from '../../api/index.js';
import { onEachConnect, subscriptionLink, useStudioSocket, type StudioLink } from '../live/studio-socket.js';

type WatchAck = { ok: boolean; items?: ChannelView[]; error?: { message?: string } };

/**
 * Follows the statuses of the workspace's connections over `/studio`: `channels.watch` (renewed
 * after every reconnect, whose answer brings any change missed meanwhile), then `channel.status`
 * events, written into the channels query so every view of it updates.
 */
export function useChannelStatusFeed(ws: string): StudioLink {
  const queryClient = useQueryClient();
  const { socket, link } = useStudioSocket();
  const [refused, setRefused] = useState<string | undefined>(undefined);
  // Live only once the server confirmed the subscription: before that, changes could be missed.
  const [subscribed, setSubscribed] = useState(false);

  useEffect(() => {
    if (socket === undefined) return undefined;
    const onStatus = (event: ChannelStatusEvent) => {
      if (typeof event?.connectionId === 'string' && typeof event.status?.state === 'string') applyChannelStatus(queryClient, ws, event);
    };
    const onDisconnect = () => setSubscribed(false);
    socket.on('channel.status', onStatus);
    socket.on('disconnect', onDisconnect);
    const stopWatching = onEachConnect(socket, () => {
      socket.emit('channels.watch', { workspaceId: ws }, (ack: WatchAck) => {
        if (ack?.ok !== true) {
          setRefused(`live statuses are off: ${ack?.error?.message ?? 'the server refused to send them'}`);
          return;
        }
        setRefused(undefined);
        setSubscribed(true);
        if (Array.isArray(ack.items)) setChannels(queryClient, ws, ack.items);
      });
    });
    return () => {
      stopWatching();
      socket.off('channel.status', onStatus);
      socket.off('disconnect', onDisconnect);
      setSubscribed(false);
    };
  }, [socket, ws, queryClient]);

  return subscriptionLink(link, subscribed, refused);
}
