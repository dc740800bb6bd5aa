import { useEffect, useReducer, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { EMPTY_TRACE, applyTrace, type TraceEventLike, type TraceState } from './trace-state.js';
import './chat.css';

interface ChatLine {
  id: string;
  role: 'user' | 'bot' | 'system';
  text: string;
  streaming?: boolean;
  buttons?: { title: string; payload?: string }[];
}

interface Problem {
  pointer: string;
  message: string;
}

export interface TestChatPanelProps {
  workspaceId: string;
  /** The flow as it is in the editor now, saved or not. */
  document: unknown;
  /** The signed-in person's token (the studio namespace checks it on every event). */
  token: string;
  /** The trace as it folds: the canvas lights the active node and shows each node's run. */
  onTrace: (state: TraceState) => void;
  /** Socket.IO server; the page's own origin by default. */
  url?: string;
}

type Ack = { ok: boolean; testId?: string; status?: string; error?: { code: string; message: string; details?: Problem[] } };

/**
 * The editor's test chat: talks to the flow being edited over the studio socket, shows streamed
 * tokens as they come, and reports the trace so the canvas can follow the session.
 */
export function TestChatPanel({ workspaceId, document, token, onTrace, url }: TestChatPanelProps) {
  const socketRef = useRef<Socket | undefined>(undefined);
  const testIdRef = useRef<string | undefined>(undefined);
  const [lines, setLines] = useState<ChatLine[]>([]);
  const [typing, setTyping] = useState(false);
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const [trace, dispatchTrace] = useReducer(applyTrace, EMPTY_TRACE);
  const documentRef = useRef(document);
  documentRef.current = document;
  // The flow the running test started with: edits after that need a reset to take effect.
  const [startedWith, setStartedWith] = useState<unknown>(undefined);

  useEffect(() => onTrace(trace), [trace, onTrace]);

  useEffect(() => {
    const socket = io(`${url ?? ''}/studio`, { auth: { token }, transports: ['websocket'] });
    socketRef.current = socket;
    socket.on('connect_error', (e) => setError(`cannot connect: ${e.message}`));
    socket.on('connect', () => setError(undefined));
    socket.on('auth_expired', () => setError('your sign-in expired; sign in again'));
    socket.on('typing', (t: { on: boolean }) => setTyping(t.on));
    socket.on('trace', (t: { event: TraceEventLike }) => dispatchTrace(t.event));
    socket.on('token', (t: { streamId: string; delta: string }) => {
      setLines((current) => {
        const at = current.findIndex((l) => l.id === t.streamId);
        if (at === -1) return [...current, { id: t.streamId, role: 'bot', text: t.delta, streaming: true }];
        const next = [...current];
        next[at] = { ...(next[at] as ChatLine), text: (next[at] as ChatLine).text + t.delta };
        return next;
      });
    });
    socket.on('reply', (r: { seq: number; text: string; streamId?: string; buttons?: ChatLine['buttons'] }) => {
      setLines((current) => {
        const id = r.streamId ?? `reply-${r.seq}-${current.length}`;
        const line: ChatLine = { id, role: 'bot', text: r.text, ...(r.buttons === undefined ? {} : { buttons: r.buttons }) };
        const at = current.findIndex((l) => l.id === id);
        if (at === -1) return [...current, line];
        const next = [...current];
        next[at] = line;
        return next;
      });
    });
    return () => {
      socket.disconnect();
      socketRef.current = undefined;
      testIdRef.current = undefined;
    };
  }, [token, url]);

  async function start(): Promise<string | undefined> {
    const socket = socketRef.current;
    if (socket === undefined) return undefined;
    if (testIdRef.current !== undefined) void socket.emitWithAck('test.stop', { testId: testIdRef.current });
    const ack = (await socket.timeout(10_000).emitWithAck('test.start', { workspaceId, document: documentRef.current })) as Ack;
    if (!ack.ok || ack.testId === undefined) {
      setProblems(ack.error?.details ?? []);
      setError(ack.error?.message ?? 'the test could not start');
      testIdRef.current = undefined;
      return undefined;
    }
    setProblems([]);
    setError(undefined);
    testIdRef.current = ack.testId;
    setStartedWith(documentRef.current);
    return ack.testId;
  }

  async function send(message: string): Promise<void> {
    if (message.trim() === '') return;
    setText('');
    setLines((current) => [...current, { id: `user-${current.length}-${message.length}`, role: 'user', text: message }]);
    const testId = testIdRef.current ?? (await start());
    const socket = socketRef.current;
    if (testId === undefined || socket === undefined) return;
    const ack = (await socket.timeout(120_000).emitWithAck('test.message', { testId, text: message }).catch(() => ({ ok: false, error: { code: 'timeout', message: 'no answer in time' } }))) as Ack;
    if (!ack.ok) setError(ack.error?.message ?? 'the message failed');
    else if (ack.error !== undefined) setLines((current) => [...current, { id: `error-${current.length}`, role: 'system', text: `${ack.error?.code}: ${ack.error?.message}` }]);
  }

  async function reset(): Promise<void> {
    setLines([]);
    dispatchTrace({ type: 'turn.started', message: undefined });
    dispatchTrace({ type: 'turn.ended' });
    await start();
  }

  return (
    <section className="test-chat" data-testid="chat-panel" aria-label="Test chat">
      <header>
        <strong>Test chat</strong>
        <button type="button" data-testid="chat-reset" onClick={() => void reset()} title="Start a fresh conversation with the flow as it is now">
          Reset
        </button>
      </header>
      {error !== undefined && (
        <p className="test-chat-error" role="alert" data-testid="chat-error">
          {error}
        </p>
      )}
      {startedWith !== undefined && startedWith !== document && (
        <p className="test-chat-stale" role="status" data-testid="chat-stale">
          The flow changed since this conversation started.{' '}
          <button type="button" className="link-button" onClick={() => void reset()}>
            Reset
          </button>{' '}
          to test the new version.
        </p>
      )}
      {problems.length > 0 && (
        <ul className="test-chat-problems" data-testid="chat-problems">
          {problems.map((p, i) => (
            <li key={i}>
              <code>{p.pointer || '/'}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      <ol className="test-chat-lines" data-testid="chat-lines">
        {lines.map((line, i) => (
          <li key={line.id} className={`chat-${line.role}`} data-testid={`chat-message-${i}`} data-role={line.role}>
            {line.text}
            {line.buttons !== undefined && (
              <span className="chat-buttons">
                {line.buttons.map((b) => (
                  <button key={b.title} type="button" onClick={() => void send(b.payload ?? b.title)}>
                    {b.title}
                  </button>
                ))}
              </span>
            )}
          </li>
        ))}
        {typing && (
          <li className="chat-typing" data-testid="chat-typing" aria-live="polite">
            …
          </li>
        )}
      </ol>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send(text);
        }}
      >
        <input data-testid="chat-input" aria-label="Message" value={text} onChange={(e) => setText(e.target.value)} placeholder="Say something to the flow" />
        <button type="submit" data-testid="chat-send">
          Send
        </button>
      </form>
    </section>
  );
}
