import type { OutboundMessage } from '@nexusflow/engine';
import type { InboundMessage } from '../chat/chat-service.js';
import type { ChannelConnection, ChannelKind } from '../store/types.js';

/**
 * What a channel connection is doing, as the editor shows it:
 * - `stopped`: not running (created, or stopped on purpose);
 * - `starting`: connecting;
 * - `waiting_for_qr`: WhatsApp Web wants its QR code scanned (`qr` holds it);
 * - `ready`: receiving and sending;
 * - `disconnected`: lost, reconnecting with backoff;
 * - `needs_qr`: logged out (or the saved login could not be restored): scan again;
 * - `failed`: cannot run until its settings change (`detail` says why).
 */
export type ChannelState = 'stopped' | 'starting' | 'waiting_for_qr' | 'ready' | 'disconnected' | 'needs_qr' | 'failed';

export interface ChannelStatus {
  state: ChannelState;
  /** A sentence for people: why it is in this state, what to do. */
  detail?: string;
  /** `waiting_for_qr`: the QR code's text, to be drawn; `qrSvg` is the same drawn as SVG. */
  qr?: string;
  qrSvg?: string;
  /** When the state last changed (epoch ms). */
  since: number;
}

/** One message out to one contact, from a flow step or an operator. */
export interface ChannelDelivery {
  workspaceId: string;
  sessionId: string;
  /** The contact's id on the channel (WhatsApp id, widget id). */
  contactExternalId: string;
  /** Idempotency key: a send retried after an ambiguous failure or a crash goes out once (W-10). */
  key: string;
  message: OutboundMessage;
  /** `operator` sends are free-form human answers (the Cloud API's 24-hour window applies to them too). */
  from: 'flow' | 'operator';
}

/**
 * One running connection of a channel: a WhatsApp number, a Cloud API phone number, or the web
 * widget of every deployment. Inbound messages go to `ChannelInbound`; outbound ones come in
 * through `send`. Adapters never throw out of event handlers: failures become status and logs.
 */
export interface ChannelAdapter {
  readonly kind: ChannelKind;
  /** The connection's id (`web` for the built-in web channel). */
  readonly connectionId: string;
  /** Whether replies can be shown token by token (web) or only whole (WhatsApp). */
  readonly streams: boolean;
  start(): Promise<void>;
  /** Stops receiving and sending; keeps the saved login (a later start reuses it). */
  stop(): Promise<void>;
  status(): ChannelStatus;
  /**
   * Sends one message; refusals are `NexusError`s: `channel_rate_limited`, `channel_window_closed`,
   * `channel_unavailable`, `channel_send_failed` (the provider did not take it), `invalid_message`.
   */
  send(delivery: ChannelDelivery): Promise<void>;
}

/** Where adapters hand inbound messages: the chat service, through the channel hub. */
export interface ChannelInbound {
  /**
   * One message from a contact of a connection. Resolves when the turn has run (or was queued
   * behind an operator); the adapter needs nothing back, replies arrive through `send`.
   */
  receive(connection: ChannelConnection, contact: { externalId: string; name?: string }, message: InboundMessage): Promise<void>;
  /** A connection's status changed (stored, and pushed to the editor). */
  statusChanged(connection: ChannelConnection, status: ChannelStatus): void;
}

/**
 * The server's channel hub: runs one adapter per connection (plus the web channel), hands their
 * inbound messages to the chat service, routes outbound messages to the right adapter, and keeps
 * statuses. Routes reach adapters through it (e.g. the Cloud API webhook).
 */
export interface ChannelHub extends ChannelInbound {
  /** The running adapter of a connection, if it runs in this process. */
  adapter(connectionId: string): ChannelAdapter | undefined;
}
