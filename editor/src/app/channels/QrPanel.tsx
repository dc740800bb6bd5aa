import type { ChannelStatus } from '../../api/index.js';
import { BanRiskNotice } from './BanRiskNotice.js';
import { qrImageSrc } from './channel-status.js';

/** The pairing QR code of a WhatsApp Web connection, drawn as an image (never as markup), and how to scan it. */
export function QrPanel({ connectionId, name, status }: { connectionId: string; name: string; status: ChannelStatus }) {
  return (
    <div className="qr-panel" data-testid={`channel-qr-panel-${connectionId}`}>
      <div className="qr-frame">
        {status.qrSvg !== undefined && status.qrSvg !== '' ? (
          <img src={qrImageSrc(status.qrSvg)} alt={`QR code to link WhatsApp to ${name}`} width={220} height={220} data-testid={`channel-qr-${connectionId}`} />
        ) : (
          <p className="muted" data-testid={`channel-qr-pending-${connectionId}`}>
            Waiting for the QR code…
          </p>
        )}
      </div>
      <div className="qr-steps">
        <h3>Link the WhatsApp number</h3>
        <ol>
          <li>Open WhatsApp on the phone of the number this flow will answer from.</li>
          <li>
            Go to <strong>Settings → Linked devices → Link a device</strong>.
          </li>
          <li>Point the phone at this code. It changes every few seconds; this page shows the newest.</li>
        </ol>
        <BanRiskNotice compact />
      </div>
    </div>
  );
}
