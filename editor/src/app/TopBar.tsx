import { useState, type FormEvent } from 'react';
import { useCreateWorkspace, useCredits, useMe } from '../api/index.js';
import { ErrorNotice, fieldErrors } from './components/ErrorNotice.js';
import { formatCredits } from './components/format.js';
import { Modal } from './components/Modal.js';
import { TextField } from './components/TextField.js';
import { hrefOf, navigate, sectionOf, type Section, type WorkspaceRoute } from './router.js';

const SECTIONS: { section: Section; label: string }[] = [
  { section: 'flows', label: 'Flows' },
  { section: 'sessions', label: 'Conversations' },
  { section: 'contacts', label: 'Contacts' },
  { section: 'channels', label: 'Channels' },
  { section: 'apps', label: 'Apps' },
  { section: 'usage', label: 'Usage' },
  { section: 'plugins', label: 'Plugins' },
];

/** The credit balance of the workspace, refreshing itself every 10 s. */
export function CreditBalance({ ws }: { ws: string }) {
  const credits = useCredits(ws);
  const data = credits.data;
  let text = '…';
  let title = 'loading the credit balance';
  if (data !== undefined) {
    text = `${formatCredits(data.balance)} credits`;
    title = data.available === data.balance ? 'credit balance' : `credit balance; ${formatCredits(data.available)} available after running calls`;
  } else if (credits.error !== null) {
    text = '— credits';
    title = `the balance could not be read: ${credits.error.message}`;
  }
  const low = data !== undefined && data.available <= 0;
  return (
    <a className={low ? 'credits credits-low' : 'credits'} href={hrefOf({ name: 'usage', ws })} title={title} data-testid="credit-balance" aria-live="polite">
      {text}
    </a>
  );
}

function CreateWorkspaceDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const create = useCreateWorkspace();
  const [name, setName] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    create.mutate(name.trim(), { onSuccess: (workspace) => onCreated(workspace.id) });
  };
  return (
    <Modal title="New workspace" onClose={onClose} busy={create.isPending} testId="workspace-create-dialog">
      <form onSubmit={submit}>
        <TextField label="Name" required maxLength={120} value={name} onChange={setName} errors={fieldErrors(create.error, '/name')} testId="workspace-create-name" data-autofocus />
        {create.error !== null && <ErrorNotice error={create.error} hidePointers={['/name']} />}
        <div className="modal-actions">
          <button type="button" className="button" onClick={onClose} disabled={create.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={create.isPending || name.trim() === ''} data-testid="workspace-create-submit">
            {create.isPending ? 'Creating…' : 'Create workspace'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Switches workspace, staying in the same section (a flow or conversation goes back to its list). */
function WorkspaceSwitcher({ route }: { route: WorkspaceRoute }) {
  const me = useMe();
  const [creating, setCreating] = useState(false);
  const workspaces = me.data?.workspaces ?? [];
  const known = workspaces.some((w) => w.id === route.ws);
  const section = sectionOf(route);
  return (
    <div className="ws-switcher">
      <label htmlFor="workspace-switcher" className="visually-hidden">
        Workspace
      </label>
      <select id="workspace-switcher" value={route.ws} onChange={(event) => navigate({ name: section, ws: event.target.value })} data-testid="workspace-switcher">
        {!known && <option value={route.ws}>{me.isPending ? 'Loading…' : 'Unknown workspace'}</option>}
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name} ({w.role})
          </option>
        ))}
      </select>
      <button type="button" className="button button-small" onClick={() => setCreating(true)} aria-label="Create a workspace" title="Create a workspace" data-testid="workspace-create">
        +
      </button>
      {creating && (
        <CreateWorkspaceDialog
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            navigate({ name: 'flows', ws: id });
          }}
        />
      )}
    </div>
  );
}

export function TopBar({ route, onSignOut }: { route: WorkspaceRoute; onSignOut: () => void }) {
  const me = useMe();
  const current = sectionOf(route);
  return (
    <header className="topbar" data-testid="topbar">
      <a className="brand" href={hrefOf({ name: 'flows', ws: route.ws })}>
        Nexus Flow
      </a>
      <WorkspaceSwitcher route={route} />
      <nav aria-label="Workspace" className="nav">
        {SECTIONS.map(({ section, label }) => (
          <a key={section} href={hrefOf({ name: section, ws: route.ws })} aria-current={section === current ? 'page' : undefined} data-testid={`nav-${section}`}>
            {label}
          </a>
        ))}
      </nav>
      <div className="topbar-spacer" />
      <CreditBalance ws={route.ws} />
      {me.data !== undefined && (
        <span className="topbar-user" title={me.data.user.email}>
          {me.data.user.name}
        </span>
      )}
      <button type="button" className="button button-small" onClick={onSignOut} data-testid="signout">
        Sign out
      </button>
    </header>
  );
}
