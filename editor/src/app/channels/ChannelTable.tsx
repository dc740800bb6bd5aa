import { Fragment } from 'react';
import type { ChannelView, Deployment } from '../../api/index.js';
import { ChannelStatusBadge } from './ChannelStatusBadge.js';
import { isRunning, KIND_LABEL, webhookUrlOf } from './channel-status.js';
import { QrPanel } from './QrPanel.js';
import { CopyValue } from './WebhookSetup.js';

export interface ChannelTableProps {
  channels: readonly ChannelView[];
  deployments: readonly Deployment[];
  /** The connection whose start or stop is running. */
  busyId: string | undefined;
  onRun: (channel: ChannelView, run: boolean) => void;
  onDelete: (channel: ChannelView) => void;
}

/** What to do about a logged-out WhatsApp Web connection, when the server's status does not say. */
function needsScanHint(channel: ChannelView): string | undefined {
  if (channel.kind !== 'whatsapp' || channel.status.state !== 'needs_qr' || (channel.status.detail ?? '') !== '') return undefined;
  return 'WhatsApp logged this device out (or the saved login could not be restored). Start it again and scan the new QR code.';
}

/** The connections with their live status; a WhatsApp Web connection waiting for its QR code shows it under its row. */
export function ChannelTable({ channels, deployments, busyId, onRun, onDelete }: ChannelTableProps) {
  const deploymentName = (id: string) => {
    const found = deployments.find((d) => d.id === id);
    return found === undefined ? undefined : `${found.name} (${found.key})`;
  };
  return (
    <table className="table channels-table" data-testid="channels-list">
      <caption className="visually-hidden">Channel connections</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Deployment</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {channels.map((channel) => {
          const running = isRunning(channel.status);
          const hint = needsScanHint(channel);
          return (
            <Fragment key={channel.id}>
              <tr data-testid={`channel-row-${channel.id}`}>
                <th scope="row">
                  <span className="channel-name">{channel.name}</span>
                  {channel.kind === 'whatsapp-cloud' && (
                    <span className="channel-webhook">
                      Webhook <CopyValue value={webhookUrlOf(channel, window.location.origin)} label="webhook URL" testId={`channel-webhook-${channel.id}`} />
                    </span>
                  )}
                </th>
                <td>{KIND_LABEL[channel.kind] ?? channel.kind}</td>
                <td>{deploymentName(channel.deploymentId) ?? <code>{channel.deploymentId.slice(0, 12)}</code>}</td>
                <td>
                  <ChannelStatusBadge status={channel.status} testId={`channel-status-${channel.id}`} />
                  {hint !== undefined && <span className="channel-status-detail">{hint}</span>}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => onRun(channel, !running)}
                    disabled={busyId === channel.id}
                    aria-label={`${running ? 'Stop' : 'Start'} ${channel.name}`}
                    data-testid={`channel-${running ? 'stop' : 'start'}-${channel.id}`}
                  >
                    {busyId === channel.id ? 'Working…' : running ? 'Stop' : 'Start'}
                  </button>
                  <button type="button" className="button button-small button-danger" onClick={() => onDelete(channel)} aria-label={`Delete ${channel.name}`} data-testid={`channel-delete-${channel.id}`}>
                    Delete
                  </button>
                </td>
              </tr>
              {channel.kind === 'whatsapp' && channel.status.state === 'waiting_for_qr' && (
                <tr className="channel-detail-row">
                  <td colSpan={5}>
                    <QrPanel connectionId={channel.id} name={channel.name} status={channel.status} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
