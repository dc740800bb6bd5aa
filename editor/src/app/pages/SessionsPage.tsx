import { useMemo, useState } from 'react';
import { Headset } from 'lucide-react';
import { useSession, useSessions, useTrace, useTranscript, type TranscriptEntry } from '../../api/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { EmptyRow, LoadMoreButton, QueryStatus, RefreshButton } from '../components/ListParts.js';
import { formatTime } from '../components/format.js';
import { ContactName } from '../conversations/ContactName.js';
import { HandoffBar } from '../conversations/HandoffBar.js';
import { OperatorComposer } from '../conversations/OperatorComposer.js';
import { mergeEntries } from '../conversations/transcript-merge.js';
import { useLiveConversation } from '../conversations/useLiveConversation.js';
import { useStickToEnd } from '../conversations/useStickToEnd.js';
import '../components/page-parts.css';
import '../conversations/conversations.css';
import { LiveIndicator } from '../live/studio-socket.js';
import { hrefOf } from '../router.js';

const ROLE_LABEL: Record<string, string> = { user: 'Contact', bot: 'Bot', operator: 'Operator', system: 'System' };

/** Conversations of the workspace, newest activity first, a page at a time. */
export function SessionsPage({ ws }: { ws: string }) {
  const sessions = useSessions(ws);
  const items = sessions.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <div className="page-header">
        <h1>Conversations</h1>
        <div className="page-actions">
          <RefreshButton query={sessions} />
        </div>
      </div>
      <QueryStatus query={sessions} loading="Loading conversations…" errorTitle="The conversations could not be loaded" />
      {sessions.data !== undefined && (
        <table className="table" data-testid="sessions-list">
          <caption className="visually-hidden">Conversations, newest activity first</caption>
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">Channel</th>
              <th scope="col">Contact</th>
              <th scope="col">Deployment</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <EmptyRow colSpan={5}>No conversations yet. They appear here once someone talks to a deployment (the test chat of the flow page talks to the draft and is not listed).</EmptyRow>
            )}
            {items.map((s) => (
              <tr key={s.id} data-testid={`session-row-${s.id}`}>
                <td>
                  <a href={hrefOf({ name: 'session', ws, sessionId: s.id })} data-testid={`session-open-${s.id}`}>
                    <code>{s.id.slice(0, 12)}</code>
                  </a>
                </td>
                <td>
                  {s.channel}
                  {s.handoff !== undefined && (
                    <span className="badge status-attention session-handoff" data-testid={`session-handoff-${s.id}`} title={`taken over since ${formatTime(s.handoff.at)}`}>
                      operator
                    </span>
                  )}
                </td>
                <td>
                  <code>{s.contactId.slice(0, 12)}</code>
                </td>
                <td>
                  <code>{s.deploymentId.slice(0, 12)}</code>
                </td>
                <td>{formatTime(s.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton query={sessions} testId="sessions-more" />
    </div>
  );
}

function Message({ entry }: { entry: TranscriptEntry }) {
  const buttons = Array.isArray(entry.payload?.buttons) ? (entry.payload.buttons as { title?: unknown }[]) : [];
  return (
    <li className={`message message-${entry.role}`} data-testid={`transcript-entry-${entry.seq}`} data-role={entry.role}>
      <div className="message-meta">
        <span className="message-role">
          {entry.role === 'operator' && <Headset size={12} aria-hidden="true" />}
          {ROLE_LABEL[entry.role] ?? entry.role}
        </span> <time dateTime={new Date(entry.at).toISOString()}>{formatTime(entry.at)}</time>
      </div>
      <div className="message-text">{entry.text}</div>
      {buttons.length > 0 && (
        <ul className="message-buttons" aria-label="Buttons offered">
          {buttons.map((b, i) => (
            <li key={i}>{typeof b.title === 'string' ? b.title : JSON.stringify(b)}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

/**
 * One conversation: where it stands, its messages in order as they come (live over /studio), who
 * answers it (the flow, or an operator who took it over and writes here), and on demand its trace.
 */
export function SessionPage({ ws, sessionId }: { ws: string; sessionId: string }) {
  const session = useSession(ws, sessionId);
  const transcript = useTranscript(ws, sessionId);
  const conversation = useLiveConversation(ws, sessionId);
  // Not on every render: typing and session refreshes re-render, and the transcript can be long.
  const entries = useMemo(() => (transcript.data === undefined ? undefined : mergeEntries(transcript.data, conversation.live)), [transcript.data, conversation.live]);
  const transcriptEnd = useStickToEnd((entries?.length ?? 0) + (conversation.typing ? 1 : 0));
  const [showTrace, setShowTrace] = useState(false);
  const trace = useTrace(ws, sessionId, showTrace);
  const info = session.data;
  return (
    <div className="page">
      <p>
        <a href={hrefOf({ name: 'sessions', ws })}>← All conversations</a>
      </p>
      <div className="page-header">
        <h1>
          Conversation <code>{sessionId.slice(0, 12)}</code>
        </h1>
        <div className="page-actions">
          <button
            type="button"
            className="button"
            onClick={() => {
              void session.refetch();
              void transcript.refetch();
              if (showTrace) void trace.refetch();
            }}
          >
            Refresh
          </button>
        </div>
      </div>
      {session.error !== null && <ErrorNotice error={session.error} title="The conversation could not be loaded" />}
      {info !== undefined && (
        <dl className="facts" data-testid="session-facts">
          <dt>Status</dt>
          <dd>{info.status}</dd>
          <dt>Channel</dt>
          <dd>{info.channel}</dd>
          <dt>Contact</dt>
          <dd>
            <ContactName ws={ws} contactId={info.contactId} />
          </dd>
          <dt>Deployment</dt>
          <dd>
            <code>{info.deploymentId}</code>
          </dd>
          <dt>Started</dt>
          <dd>{formatTime(info.createdAt)}</dd>
          {info.turn !== undefined && (
            <>
              <dt>Turns</dt>
              <dd>{info.turn}</dd>
            </>
          )}
          {info.lastError !== undefined && (
            <>
              <dt>Last error</dt>
              <dd className="danger">
                <code>{info.lastError.code}</code> {info.lastError.message}
              </dd>
            </>
          )}
        </dl>
      )}
      {info !== undefined && <HandoffBar ws={ws} session={info} />}
      <section aria-labelledby="transcript-title">
        <div className="transcript-header">
          <h2 id="transcript-title">Messages</h2>
          <LiveIndicator link={conversation.link} testId="transcript-live" />
        </div>
        <QueryStatus query={transcript} loading="Loading messages…" errorTitle="The messages could not be loaded" />
        {entries !== undefined && (
          <ol className="transcript" data-testid="transcript" aria-live="polite">
            {entries.length === 0 && <li className="empty">No messages.</li>}
            {entries.map((entry) => (
              <Message key={entry.seq} entry={entry} />
            ))}
            {conversation.typing && (
              <li className="message message-typing" data-testid="transcript-typing">
                The bot is typing…
              </li>
            )}
          </ol>
        )}
        {info?.handoff !== undefined && info.handoff !== null && <OperatorComposer ws={ws} sessionId={sessionId} onSent={conversation.add} />}
        <div ref={transcriptEnd} aria-hidden="true" />
      </section>
      <section aria-labelledby="trace-title">
        <h2 id="trace-title">Trace</h2>
        <button type="button" className="button" aria-expanded={showTrace} aria-controls="trace-events" onClick={() => setShowTrace((v) => !v)} data-testid="trace-toggle">
          {showTrace ? 'Hide trace' : 'Show trace'}
        </button>
        {showTrace && (
          <div id="trace-events">
            <QueryStatus query={trace} loading="Loading the trace…" errorTitle="The trace could not be loaded" />
            {trace.data !== undefined && (
              <ol className="trace" data-testid="trace">
                {trace.data.length === 0 && <li className="empty">No trace events.</li>}
                {trace.data.map((t) => (
                  <li key={t.seq}>
                    <code>{t.event.type}</code> {typeof t.event.nodeId === 'string' ? <code>{t.event.nodeId}</code> : null}{' '}
                    {typeof t.event.port === 'string' ? `→ ${t.event.port}` : null}
                    {typeof t.event.durationMs === 'number' ? ` (${t.event.durationMs} ms)` : null}
                    {typeof (t.event.error as { message?: unknown } | undefined)?.message === 'string' ? <span className="danger"> {(t.event.error as { message: string }).message}</span> : null}
                  </li>
                ))}
              </ol>
            )}
          </div>
        )}
      </section>
    </div>
  );
}
