import type { ChannelStatus } from '../../api/index.js';
import { formatTime } from '../components/format.js';
import { stateLabel, toneOf } from './channel-status.js';

/** The state of a connection as a coloured badge, with the server's sentence about it under it. */
export function ChannelStatusBadge({ status, testId }: { status: ChannelStatus; testId: string }) {
  return (
    <div className="channel-status">
      <span className={`badge status-${toneOf(status.state)}`} data-testid={testId} data-state={status.state} title={`since ${formatTime(status.since)}`}>
        {stateLabel(status.state)}
      </span>
      {status.detail !== undefined && status.detail !== '' && (
        <span className="channel-status-detail" data-testid={`${testId}-detail`}>
          {status.detail}
        </span>
      )}
    </div>
  );
}
