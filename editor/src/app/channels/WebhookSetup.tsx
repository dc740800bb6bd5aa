import { useState } from 'react';
import type { ChannelView } from '../../api/index.js';
import { webhookUrlOf } from './channel-status.js';

/** A value with a Copy button that says when it copied (or that the browser refused). */
export function CopyValue({ value, label, testId }: { value: string; label: string; testId: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = () => {
    const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
    if (clipboard === undefined) return setCopied('failed');
    clipboard.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <span className="copy-value">
      <code data-testid={testId}>{value}</code>
      <button type="button" className="button button-small" onClick={copy} aria-label={`Copy the ${label}`}>
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </button>
      {copied === 'failed' && <span className="field-error">The browser did not allow copying; select the text instead.</span>}
    </span>
  );
}

/** What to paste into the Meta app's webhook settings for a Cloud API connection. */
export function WebhookSetup({ connection, verifyToken }: { connection: ChannelView; verifyToken?: string }) {
  const url = webhookUrlOf(connection, window.location.origin);
  return (
    <div className="webhook-setup" data-testid="channel-webhook-setup">
      <p>In the Meta app, open WhatsApp → Configuration → Webhook, choose Edit, and enter:</p>
      <dl className="facts">
        <dt>Callback URL</dt>
        <dd>
          <CopyValue value={url} label="callback URL" testId="channel-webhook-url" />
        </dd>
        {verifyToken !== undefined && verifyToken !== '' && (
          <>
            <dt>Verify token</dt>
            <dd>
              <CopyValue value={verifyToken} label="verify token" testId="channel-webhook-verify-token" />
            </dd>
          </>
        )}
      </dl>
      <p className="muted">
        Then subscribe the webhook to the <strong>messages</strong> field. Meta checks the address at once; this server answers only when the verify token matches. The address must be reachable from the internet over HTTPS.
      </p>
    </div>
  );
}
