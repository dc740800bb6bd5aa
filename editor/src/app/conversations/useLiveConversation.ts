import { useCallback, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { queryKeys, setSessionHandoff, type Handoff, type TranscriptEntry } from '../../api/index.js';
import { onEachConnect, subscriptionLink, useStudioSocket, type StudioLink } from '../live/studio-socket.js';
import { entryFromEvent, mergeEntries } from './transcript-merge.js';

type WatchAck = { ok: boolean; error?: { message?: string } };

export interface LiveConversation {
  link: StudioLink;
  /** Entries that arrived after the transcript was fetched (merge them with `mergeEntries`). */
  live: TranscriptEntry[];
  /** The bot is working on a reply. */
  typing: boolean;
  /** Adds an entry this page produced (an operator's sent message). */
  add: (entry: TranscriptEntry) => void;
}

/**
 * Follows one conversation over `/studio`: `watch` (renewed after every reconnect, after which the
 * transcript and session are fetched again for anything missed), then `message` (the contact),
 * `reply` (bot, operator, system), `typing` and `handoff` (someone took it over or handed it back)
 * events. Each new entry refreshes the session too (its status and activity).
 */
export function useLiveConversation(ws: string, sessionId: string): LiveConversation {
  const queryClient = useQueryClient();
  const { socket, link } = useStudioSocket();
  const [live, setLive] = useState<TranscriptEntry[]>([]);
  const [typing, setTyping] = useState(false);
  const [refused, setRefused] = useState<string | undefined>(undefined);
  // Live only once the server confirmed the watch: before that, entries could be missed.
  const [subscribed, setSubscribed] = useState(false);
  const watchedBefore = useRef(false);

  const add = useCallback((entry: TranscriptEntry) => setLive((current) => mergeEntries(current, [entry])), []);

  useEffect(() => {
    if (socket === undefined) return undefined;
    const onEntry = (raw: unknown) => {
      // Events that name their session (`message`) must name this one.
      const about = (raw as { sessionId?: unknown } | null)?.sessionId;
      if (about !== undefined && about !== sessionId) return;
      const entry = entryFromEvent(raw);
      if (entry === undefined) return;
      add(entry);
      if (entry.role !== 'user') setTyping(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.session(ws, sessionId) });
    };
    const onTyping = (event: { on?: unknown }) => setTyping(event?.on === true);
    const onHandoff = (event: { sessionId?: unknown; handoff?: Handoff }) => {
      if (event?.sessionId !== sessionId) return;
      setSessionHandoff(queryClient, ws, sessionId, event.handoff);
    };
    socket.on('message', onEntry);
    socket.on('reply', onEntry);
    socket.on('typing', onTyping);
    socket.on('handoff', onHandoff);
    const onDisconnect = () => setSubscribed(false);
    socket.on('disconnect', onDisconnect);
    const stopWatching = onEachConnect(socket, () => {
      socket.emit('watch', { workspaceId: ws, sessionId }, (ack: WatchAck) => {
        if (ack?.ok !== true) return setRefused(`this conversation is not live: ${ack?.error?.message ?? 'the server refused to follow it'}`);
        setRefused(undefined);
        setSubscribed(true);
        // Back after a dropped connection: whatever was said meanwhile is only in the store.
        if (watchedBefore.current) {
          void queryClient.invalidateQueries({ queryKey: queryKeys.transcript(ws, sessionId) });
          void queryClient.invalidateQueries({ queryKey: queryKeys.session(ws, sessionId) });
        }
        watchedBefore.current = true;
      });
    });
    return () => {
      stopWatching();
      socket.off('message', onEntry);
      socket.off('reply', onEntry);
      socket.off('typing', onTyping);
      socket.off('handoff', onHandoff);
      socket.off('disconnect', onDisconnect);
      setSubscribed(false);
      socket.emit('unwatch', { sessionId });
    };
  }, [socket, ws, sessionId, queryClient, add]);

  return { link: subscriptionLink(link, subscribed, refused), live, typing, add };
}
