import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, useSendOperatorMessage, type TranscriptEntry } from '../../api/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';

/** Longest operator message the composer sends (WhatsApp's text limit is 4096 characters). */
export const OPERATOR_TEXT_MAX = 4096;

/** A sentence for the refusals an operator can meet, saying what to do; undefined for others. */
export function operatorRefusal(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  switch (error.code) {
    case 'channel_window_closed':
      return "Not sent: this contact is outside WhatsApp's 24-hour window. WhatsApp lets a business send free-form messages only within 24 hours of the contact's last message; they need to write again first";
    case 'handoff_required':
      return 'Not sent: the conversation is not taken over (it may have been handed back). Take it over, then send';
    case 'channel_rate_limited':
      return 'Not sent: the channel reached its sending limit for now (messages are paced and capped to protect the number). Try again in a little while';
    case 'channel_unavailable':
      return 'Not sent: the channel is not connected right now. Check its status on the Channels page';
    default:
      return undefined;
  }
}

/** The operator's message box, while the conversation is taken over. */
export function OperatorComposer({ ws, sessionId, onSent }: { ws: string; sessionId: string; onSent: (entry: TranscriptEntry) => void }) {
  const send = useSendOperatorMessage(ws, sessionId);
  const [text, setText] = useState('');
  const ready = text.trim() !== '' && text.length <= OPERATOR_TEXT_MAX && !send.isPending;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!ready) return;
    send.mutate(text.trim(), {
      onSuccess: (entry) => {
        setText('');
        if (entry !== undefined && typeof entry.seq === 'number') onSent(entry);
      },
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit();
  };

  return (
    <form className="operator-composer" onSubmit={submit} data-testid="operator-composer">
      <label htmlFor="operator-text" className="visually-hidden">
        Message to the contact
      </label>
      <textarea
        id="operator-text"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        rows={3}
        placeholder="Write to the contact as an operator (Ctrl+Enter sends)"
        aria-invalid={text.length > OPERATOR_TEXT_MAX ? true : undefined}
        data-testid="operator-input"
      />
      <div className="operator-composer-actions">
        <span className={text.length > OPERATOR_TEXT_MAX ? 'field-error' : 'muted'}>
          {text.length > OPERATOR_TEXT_MAX ? `${text.length - OPERATOR_TEXT_MAX} characters too long` : 'Sent through the conversation’s channel and kept in the contact’s memory.'}
        </span>
        <button type="submit" className="button button-primary" disabled={!ready} data-testid="operator-send">
          {send.isPending ? 'Sending…' : 'Send'}
        </button>
      </div>
      {send.error !== null && (
        <ErrorNotice error={send.error} title={operatorRefusal(send.error) ?? 'Not sent'} testId="operator-error" />
      )}
    </form>
  );
}
