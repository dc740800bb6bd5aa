import { useState, type FormEvent } from 'react';
import type { Deployment, FlowVersion } from '../api/index.js';
import { formatTime } from '../app/components/format.js';

export interface VersionsPanelProps {
  versions: readonly FlowVersion[] | undefined;
  deployment: Deployment | undefined;
  busy: boolean;
  onPublish: (note: string) => void;
  onDeploy: (versionId: string) => void;
  onRollback: () => void;
  onClose: () => void;
}

/**
 * Publishing and deploying: publish the saved draft as a version (with a note), point the flow's
 * deployment at any version, roll back to the version before, and see the history.
 */
export function VersionsPanel({ versions, deployment, busy, onPublish, onDeploy, onRollback, onClose }: VersionsPanelProps) {
  const [note, setNote] = useState('');
  const publish = (event: FormEvent) => {
    event.preventDefault();
    onPublish(note.trim());
    setNote('');
  };
  const live = deployment?.versionId;
  const numberOf = (versionId: string) => versions?.find((v) => v.id === versionId)?.version;
  return (
    <section className="versions" aria-label="Versions and deployment" data-testid="versions-panel">
      <header>
        <strong>Versions</strong>
        <button type="button" className="button button-small" onClick={onClose} aria-label="Close versions">
          ×
        </button>
      </header>
      <form onSubmit={publish} className="versions-publish">
        <label htmlFor="publish-note">Publish the saved draft as a new version</label>
        <input id="publish-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} placeholder="What changed (optional)" data-testid="publish-note" />
        <button type="submit" className="button button-primary button-small" disabled={busy} data-testid="publish-submit">
          Publish
        </button>
      </form>
      {deployment === undefined ? (
        <p className="muted">Not deployed yet. Deploy a version to make the flow reachable by the web widget and the API.</p>
      ) : (
        <div className="versions-deployment" data-testid="deployment-info">
          <div>
            Live: <code>{deployment.key}</code> on version <strong>v{numberOf(deployment.versionId) ?? '?'}</strong>
          </div>
          <div className="muted">
            Widget key <code>{deployment.publishableKey}</code>
          </div>
          <button type="button" className="button button-small" onClick={onRollback} disabled={busy || deployment.history.length < 2} data-testid="deployment-rollback" title="Point the deployment back at the version it had before">
            Roll back
          </button>
        </div>
      )}
      {versions === undefined ? (
        <p className="muted">Loading versions…</p>
      ) : versions.length === 0 ? (
        <p className="muted">No versions yet: publish one.</p>
      ) : (
        <ol className="versions-list" data-testid="versions-list">
          {versions.map((version) => (
            <li key={version.id} className={version.id === live ? 'is-live' : undefined} data-testid={`version-${version.version}`}>
              <div className="versions-line">
                <strong>v{version.version}</strong>
                {version.id === live && <span className="badge badge-ok">live</span>}
                <span className="muted">{formatTime(version.createdAt)}</span>
              </div>
              {version.note !== undefined && version.note !== '' && <div className="versions-note">{version.note}</div>}
              {version.id !== live && (
                <button type="button" className="button button-small" onClick={() => onDeploy(version.id)} disabled={busy} data-testid={`version-deploy-${version.version}`}>
                  {deployment === undefined ? 'Deploy' : 'Make live'}
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {deployment !== undefined && deployment.history.length > 1 && (
        <details className="versions-history">
          <summary>Deployment history ({deployment.history.length})</summary>
          <ol>
            {[...deployment.history].reverse().map((entry, i) => (
              <li key={`${entry.versionId}-${entry.at}-${i}`}>
                v{numberOf(entry.versionId) ?? '?'} · {formatTime(entry.at)}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
