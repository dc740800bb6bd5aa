import type { ChannelStatus, ConnectionKind } from '../../api/index.js';

/** How the editor names each state of a connection. */
export const STATE_LABEL: Record<string, string> = {
  stopped: 'stopped',
  starting: 'starting',
  waiting_for_qr: 'waiting for QR',
  ready: 'ready',
  disconnected: 'disconnected',
  needs_qr: 'needs QR re-scan',
  failed: 'failed',
};

export const KIND_LABEL: Record<ConnectionKind, string> = {
  whatsapp: 'WhatsApp Web',
  'whatsapp-cloud': 'WhatsApp Cloud API',
};

export type StatusTone = 'ok' | 'busy' | 'attention' | 'danger' | 'idle';

/** The badge colour of a state: ready is green, anything that needs a person is amber, failed is red. */
export function toneOf(state: string): StatusTone {
  switch (state) {
    case 'ready':
      return 'ok';
    case 'starting':
      return 'busy';
    case 'waiting_for_qr':
    case 'disconnected':
    case 'needs_qr':
      return 'attention';
    case 'failed':
      return 'danger';
    default:
      return 'idle';
  }
}

export function stateLabel(state: string): string {
  return STATE_LABEL[state] ?? state.replace(/_/g, ' ');
}

/** Whether the connection runs (or tries to): Stop applies; otherwise Start does. */
export function isRunning(status: ChannelStatus): boolean {
  return ['starting', 'waiting_for_qr', 'ready', 'disconnected'].includes(status.state);
}

function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  // In chunks: spreading a whole QR code's bytes into one call can exceed the argument limit.
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/**
 * The QR code's SVG as an image address. An SVG drawn through <img> is an image only: scripts and
 * links in it never run, unlike SVG put into the page's markup.
 */
export function qrImageSrc(svg: string): string {
  return `data:image/svg+xml;base64,${base64Utf8(svg)}`;
}

/** Where Meta must send a Cloud API connection's webhooks (the server says; else this server's own route). */
export function webhookUrlOf(connection: { id: string; webhookUrl?: string }, origin: string): string {
  return connection.webhookUrl ?? `${origin}/api/v1/webhooks/whatsapp-cloud/${encodeURIComponent(connection.id)}`;
}
