import { describe, expect, it } from 'vitest';
import { isRunning, qrImageSrc, stateLabel, toneOf, webhookUrlOf } from './channel-status.js';

const decode = (src: string) => new TextDecoder().decode(Uint8Array.from(atob(src.slice(src.indexOf(',') + 1)), (c) => c.charCodeAt(0)));

describe('channel status presentation', () => {
  it('names every state as the editor shows it, and colours what needs a person amber', () => {
    expect(['starting', 'waiting_for_qr', 'ready', 'disconnected', 'needs_qr', 'failed', 'stopped'].map(stateLabel)).toEqual([
      'starting',
      'waiting for QR',
      'ready',
      'disconnected',
      'needs QR re-scan',
      'failed',
      'stopped',
    ]);
    expect(stateLabel('paused_by_admin')).toBe('paused by admin');
    expect(['ready', 'starting', 'waiting_for_qr', 'disconnected', 'needs_qr', 'failed', 'stopped'].map(toneOf)).toEqual(['ok', 'busy', 'attention', 'attention', 'attention', 'danger', 'idle']);
  });

  it('offers Stop while a connection runs or tries to, and Start otherwise', () => {
    const running = ['starting', 'waiting_for_qr', 'ready', 'disconnected'].map((state) => isRunning({ state, since: 0 }));
    const idle = ['stopped', 'needs_qr', 'failed'].map((state) => isRunning({ state, since: 0 }));
    expect(running).toEqual([true, true, true, true]);
    expect(idle).toEqual([false, false, false]);
  });

  it('turns a QR SVG into a base64 image address, non-ASCII text and large codes included', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>Scan me — Café ✓</title></svg>';
    const src = qrImageSrc(svg);
    expect(src.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(decode(src)).toBe(svg);
    const large = `<svg xmlns="http://www.w3.org/2000/svg">${'<path d="M1 1h1v1H1z"/>'.repeat(8000)}</svg>`;
    expect(decode(qrImageSrc(large))).toBe(large);
  });

  it("uses the server's webhook URL, else this server's own route for the connection", () => {
    expect(webhookUrlOf({ id: 'c1', webhookUrl: 'https://bots.example.com/api/v1/webhooks/whatsapp-cloud/c1' }, 'http://127.0.0.1:3000')).toBe('https://bots.example.com/api/v1/webhooks/whatsapp-cloud/c1');
    expect(webhookUrlOf({ id: 'c/1' }, 'http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/api/v1/webhooks/whatsapp-cloud/c%2F1');
  });
});
