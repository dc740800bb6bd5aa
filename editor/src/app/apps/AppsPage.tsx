import { useState } from 'react';
import { useApps, useMakeAppLive, type AppDeployment } from '../../api/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { QueryStatus, RefreshButton } from '../components/ListParts.js';
import { formatBytes, formatTime } from '../components/format.js';
import { canMakeLive, failureOf, groupApps, totalBytes, type AppGroup } from './app-groups.js';
import '../components/page-parts.css';
import './apps.css';

const STATUS_TONE: Record<string, string> = { live: 'ok', failed: 'danger', pending: 'busy', uploading: 'busy', starting: 'busy', superseded: 'idle' };

function StatusBadge({ deployment }: { deployment: AppDeployment }) {
  const label = deployment.live ? 'live' : deployment.status;
  return (
    <span className={`badge status-${STATUS_TONE[label] ?? 'idle'}`} data-testid={`app-status-${deployment.id}`}>
      {label}
    </span>
  );
}

function FileList({ deployment }: { deployment: AppDeployment }) {
  const files = deployment.files;
  return (
    <details className="app-files" data-testid={`app-files-${deployment.id}`}>
      <summary>
        {files.length} {files.length === 1 ? 'file' : 'files'}, {formatBytes(totalBytes(files))}
      </summary>
      <ul>
        {files.map((f) => (
          <li key={f.path}>
            <code>{f.path}</code> <span className="muted">{formatBytes(f.bytes)}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}

function Failure({ deployment }: { deployment: AppDeployment }) {
  const failure = deployment.status === 'failed' ? failureOf(deployment) : undefined;
  if (failure === undefined) return null;
  return (
    <div className="app-failure danger" data-testid={`app-failure-${deployment.id}`}>
      {failure}
    </div>
  );
}

function MakeLiveButton({ deployment, busy, onMakeLive }: { deployment: AppDeployment; busy: boolean; onMakeLive: (d: AppDeployment) => void }) {
  if (!canMakeLive(deployment)) return null;
  return (
    <button type="button" className="button button-small" onClick={() => onMakeLive(deployment)} disabled={busy} aria-label={`Make version ${deployment.version} of ${deployment.name} live`} data-testid={`app-make-live-${deployment.id}`}>
      {busy ? 'Switching…' : 'Make live'}
    </button>
  );
}

function AppRows({ group, busyId, onMakeLive }: { group: AppGroup; busyId: string | undefined; onMakeLive: (d: AppDeployment) => void }) {
  const [open, setOpen] = useState(false);
  const { current, earlier } = group;
  return (
    <>
      <tr data-testid={`app-row-${group.name}`}>
        <th scope="row">
          <span className="app-name">{group.name}</span>
        </th>
        <td>v{current.version}</td>
        <td>{current.target}</td>
        <td>
          <StatusBadge deployment={current} />
          <Failure deployment={current} />
        </td>
        <td>
          {current.url !== undefined && current.live ? (
            <a href={current.url} target="_blank" rel="noopener noreferrer" data-testid={`app-url-${group.name}`}>
              {current.url}
            </a>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td>{formatTime(current.createdAt)}</td>
        <td>
          <FileList deployment={current} />
        </td>
        <td className="row-actions">
          <MakeLiveButton deployment={current} busy={busyId === current.id} onMakeLive={onMakeLive} />
          {earlier.length > 0 && (
            <button type="button" className="button button-small" aria-expanded={open} onClick={() => setOpen((v) => !v)} data-testid={`app-versions-toggle-${group.name}`}>
              {open ? 'Hide' : 'Earlier'} versions ({earlier.length})
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr className="app-versions-row">
          <td colSpan={8}>
            <table className="app-versions" data-testid={`app-versions-${group.name}`}>
              <caption className="visually-hidden">Earlier versions of {group.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Deployed</th>
                  <th scope="col">Files</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {earlier.map((d) => (
                  <tr key={d.id} data-testid={`app-version-${d.id}`}>
                    <td>v{d.version}</td>
                    <td>
                      <StatusBadge deployment={d} />
                      <Failure deployment={d} />
                    </td>
                    <td>{formatTime(d.createdAt)}</td>
                    <td>
                      <FileList deployment={d} />
                    </td>
                    <td className="row-actions">
                      <MakeLiveButton deployment={d} busy={busyId === d.id} onMakeLive={onMakeLive} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </td>
        </tr>
      )}
    </>
  );
}

/**
 * Apps that flows generated and published (the `core/deploy` node): each with its live address,
 * status and files, and earlier versions to roll back to.
 */
export function AppsPage({ ws }: { ws: string }) {
  const apps = useApps(ws);
  const makeLive = useMakeAppLive(ws);
  const [done, setDone] = useState('');
  const groups = groupApps(apps.data ?? []);
  const target = makeLive.variables;

  const onMakeLive = (deployment: AppDeployment) => {
    setDone('');
    makeLive.mutate(deployment.id, { onSuccess: (live) => setDone(`Version ${live.version} of ${live.name} is live${live.url === undefined ? '' : ` at ${live.url}`}.`) });
  };

  return (
    <div className="page apps-page" data-testid="apps-page">
      <div className="page-header">
        <h1>Apps</h1>
        <div className="page-actions">
          <RefreshButton query={apps} />
        </div>
      </div>
      <p className="muted page-intro">
        Apps your flows built and published with the Deploy node. Each publish is a new version; the live one is served at its address, and earlier versions stay so you can switch back.
      </p>
      <p className="status status-ok" role="status" data-testid="app-live-status">
        {done}
      </p>
      {makeLive.error !== null && target !== undefined && <ErrorNotice error={makeLive.error} title="That version was not made live" testId="app-make-live-error" />}
      <QueryStatus query={apps} loading="Loading apps…" errorTitle="The apps could not be loaded" />
      {apps.data !== undefined && groups.length === 0 && (
        <p className="empty" data-testid="apps-empty">
          No apps yet. A flow with a Deploy node (see the app-builder example) publishes one here.
        </p>
      )}
      {groups.length > 0 && (
        <table className="table apps-table" data-testid="apps-list">
          <caption className="visually-hidden">Generated apps, the live or newest version of each</caption>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Version</th>
              <th scope="col">Target</th>
              <th scope="col">Status</th>
              <th scope="col">Live at</th>
              <th scope="col">Deployed</th>
              <th scope="col">Files</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {groups.map((group) => (
              <AppRows key={group.name} group={group} busyId={makeLive.isPending ? target : undefined} onMakeLive={onMakeLive} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
