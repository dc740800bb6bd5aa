import type { Logger } from 'pino';
import type { RateTable } from '@nexusflow/nodes';
import type { createTokenService } from './auth/index.js';
import type { ChannelHubControl } from './channels/channel-hub.js';
import type { OperatorDesk } from './channels/operator.js';
import type { ChatService } from './chat/chat-service.js';
import type { Cluster } from './cluster/cluster.js';
import type { AuthFailureGate } from './cluster/shared-failure-throttle.js';
import type { ServerConfig } from './config/config.js';
import type { ServerMetrics } from './observability/metrics.js';
import type { FlowHost } from './runtime/flow-host.js';
import type { LlmSetup } from './runtime/llm-setup.js';
import type { SessionEvents } from './runtime/session-events.js';
import type { Store } from './store/types.js';

/** Everything a route or socket handler may use; built once by `startServer`. */
export interface AppContext {
  config: ServerConfig;
  store: Store;
  logger: Logger;
  metrics: ServerMetrics;
  events: SessionEvents;
  /** The other server processes (Redis), or this one alone. */
  cluster: Cluster;
  host: FlowHost;
  chat: ChatService;
  /** Channel connections (WhatsApp ...) and where replies go. */
  channels: ChannelHubControl;
  /** Human handoff of conversations. */
  operators: OperatorDesk;
  /** The address people and providers reach this server at (PUBLIC_URL, else the listening address). */
  publicUrl: () => string;
  llm: LlmSetup;
  rates: RateTable;
  tokens: ReturnType<typeof createTokenService>;
  /** Failed logins and API keys per IP, email and key prefix. */
  authFailures: AuthFailureGate;
  now: () => number;
  /** True once shutdown began: new work is refused with 503. */
  draining: boolean;
}
