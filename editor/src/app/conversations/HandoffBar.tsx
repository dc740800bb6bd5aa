import { Headset } from 'lucide-react';
import { useHandoff, useMe, useMembers, type Handoff, type SessionDetail } from '../../api/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatTime } from '../components/format.js';

/** "you", a member's name (or email), "an operator" while the members load, or the user id when they are not listed. */
function useOperatorName(ws: string, userId: string): string {
  const me = useMe();
  const members = useMembers(ws);
  if (me.data?.user.id === userId) return 'you';
  const member = members.data?.find((m) => m.userId === userId);
  if (member !== undefined) return member.name ?? member.email ?? userId;
  if (me.isPending || members.isPending) return 'an operator';
  // Members could not be read (the role may not allow it): the id at least tells operators apart.
  return members.error !== null ? `user ${userId}` : `a former member (${userId})`;
}

function TakenOverBanner({ ws, handoff }: { ws: string; handoff: Handoff }) {
  const who = useOperatorName(ws, handoff.by);
  return (
    <span data-testid="handoff-banner-text">
      <strong>Taken over by {who}</strong> since {formatTime(handoff.at)}. The flow is paused for this contact: their messages come here and the flow answers none of them; once handed back, it continues with their next message.
    </span>
  );
}

/** Who answers this conversation now (the flow or an operator), with Take over / Hand back. */
export function HandoffBar({ ws, session }: { ws: string; session: SessionDetail }) {
  const handoff = useHandoff(ws, session.id);
  // The server may send `null` for "no takeover".
  const holder = session.handoff ?? undefined;
  const takenOver = holder !== undefined;
  return (
    <div className={takenOver ? 'handoff-bar handoff-bar-active' : 'handoff-bar'} data-testid="handoff-bar" data-taken-over={takenOver}>
      <Headset size={18} aria-hidden="true" className="handoff-icon" />
      <div className="handoff-text" role="status">
        {holder !== undefined ? (
          <TakenOverBanner ws={ws} handoff={holder} />
        ) : (
          <span>The flow answers this conversation. Take it over to answer as a person; the flow pauses for this contact until you hand it back.</span>
        )}
      </div>
      <button
        type="button"
        className={takenOver ? 'button' : 'button button-primary'}
        onClick={() => handoff.mutate(!takenOver)}
        disabled={handoff.isPending}
        data-testid={takenOver ? 'handoff-release' : 'handoff-take'}
      >
        {handoff.isPending ? 'Working…' : takenOver ? 'Hand back to the flow' : 'Take over'}
      </button>
      {handoff.error !== null && (
        <div className="handoff-error">
          <ErrorNotice error={handoff.error} title={handoff.variables === true ? 'The conversation was not taken over' : 'The conversation was not handed back'} testId="handoff-error" />
        </div>
      )}
    </div>
  );
}
