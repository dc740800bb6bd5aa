import type { OutboundMessage } from '@nexusflow/engine';
import type { ChannelDelivery, ChannelStatus } from './types.js';

/** What one process asks the process that runs a connection. */
export type RemoteChannelRequest =
  | { op: 'deliver'; connectionId: string; target: { sessionId: string; workspaceId: string }; contactExternalId: string; key: string; message: OutboundMessage; from: ChannelDelivery['from'] }
  | { op: 'start'; connectionId: string }
  | { op: 'stop'; connectionId: string }
  | { op: 'status'; connectionId: string };

/** The answer of the process running it; `error` when it ran the request and it failed. */
export interface RemoteChannelResponse {
  status?: ChannelStatus;
  error?: { code: string; message: string };
}

/** The other server processes, as the channel hub reaches them. */
export interface ChannelRemote {
  /** Asks whichever process runs the connection; undefined when none does. */
  call(request: RemoteChannelRequest): Promise<RemoteChannelResponse | undefined>;
}
