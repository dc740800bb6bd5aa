import { useState } from 'react';
import { useChannels, useDeleteChannel, useDeployments, useRunChannel, type ChannelView } from '../../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { QueryStatus } from '../components/ListParts.js';
import { LiveIndicator } from '../live/studio-socket.js';
import { ChannelTable } from './ChannelTable.js';
import { KIND_LABEL } from './channel-status.js';
import { ConnectWhatsAppDialog } from './ConnectWhatsAppDialog.js';
import { useChannelStatusFeed } from './useChannelStatusFeed.js';
import '../components/page-parts.css';
import './channels.css';

/**
 * The workspace's channel connections (WhatsApp Web and WhatsApp Cloud API numbers) with their
 * status as it changes; connect a number, start, stop and delete connections.
 */
export function ChannelsPage({ ws }: { ws: string }) {
  const channels = useChannels(ws);
  const deployments = useDeployments(ws);
  const link = useChannelStatusFeed(ws);
  const run = useRunChannel(ws);
  const remove = useDeleteChannel(ws);
  const [connecting, setConnecting] = useState(false);
  const [deleting, setDeleting] = useState<ChannelView | undefined>(undefined);
  const running = run.variables;
  const runTarget = running === undefined ? undefined : channels.data?.find((c) => c.id === running.id);

  return (
    <div className="page channels-page" data-testid="channels-page">
      <div className="page-header">
        <h1>Channels</h1>
        <div className="page-actions">
          <LiveIndicator link={link} />
          <button type="button" className="button button-primary" onClick={() => setConnecting(true)} data-testid="channel-connect">
            Connect WhatsApp
          </button>
        </div>
      </div>
      <p className="muted page-intro">
        A channel connects a deployed flow to the people it serves. The web widget needs no setup (its script tag names the deployment); connect WhatsApp numbers here. Each number answers with one
        deployment; every person who writes in becomes a contact.
      </p>
      {link.state === 'offline' && (
        <p className="notice" data-testid="channels-live-off">
          Statuses are not live: {link.reason}
        </p>
      )}
      {run.error !== null && running !== undefined && (
        <ErrorNotice error={run.error} title={`${runTarget?.name ?? 'The connection'} did not ${running.run ? 'start' : 'stop'}`} testId="channel-run-error" />
      )}
      <QueryStatus query={channels} loading="Loading channels…" errorTitle="The channels could not be loaded" />
      {channels.data !== undefined && channels.data.length === 0 && (
        <p className="empty" data-testid="channels-empty">
          No WhatsApp number is connected yet. Choose Connect WhatsApp to link one to a deployment.
        </p>
      )}
      {channels.data !== undefined && channels.data.length > 0 && (
        <ChannelTable
          channels={channels.data}
          deployments={deployments.data ?? []}
          busyId={run.isPending ? running?.id : undefined}
          onRun={(channel, start) => run.mutate({ id: channel.id, run: start })}
          onDelete={(channel) => {
            remove.reset();
            setDeleting(channel);
          }}
        />
      )}

      {connecting && <ConnectWhatsAppDialog ws={ws} onClose={() => setConnecting(false)} />}
      {deleting !== undefined && (
        <ConfirmDialog
          title={`Delete the connection "${deleting.name}"?`}
          message={
            <p>
              {KIND_LABEL[deleting.kind] ?? deleting.kind} stops answering for this deployment at once.{' '}
              {deleting.kind === 'whatsapp'
                ? 'To connect the number again later, create a new connection and scan its QR code.'
                : 'Meta keeps calling its webhook address until you change it in the Meta app; this server no longer accepts those calls.'}{' '}
              Contacts and their conversations stay.
            </p>
          }
          confirmLabel="Delete connection"
          danger
          busy={remove.isPending}
          error={remove.error ?? undefined}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(undefined) })}
        />
      )}
    </div>
  );
}
