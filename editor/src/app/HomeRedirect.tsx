import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useCreateWorkspace, useMe, type Me } from '../api/index.js';
import { ErrorNotice, fieldErrors } from './components/ErrorNotice.js';
import { TextField } from './components/TextField.js';
import { isWorkspaceRoute, navigate, takeReturnTo, type Route, type WorkspaceRoute } from './router.js';

/** Where a signed-in person lands: where they were going (if it is one of their workspaces), else their first workspace. */
export function landingRoute(me: Me, returnTo: Route | undefined): WorkspaceRoute | undefined {
  if (returnTo !== undefined && isWorkspaceRoute(returnTo) && me.workspaces.some((w) => w.id === returnTo.ws)) return returnTo;
  const first = me.workspaces[0];
  return first === undefined ? undefined : { name: 'flows', ws: first.id };
}

function NoWorkspace({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const create = useCreateWorkspace();
  const [name, setName] = useState(`${me.user.name}'s workspace`);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending || name.trim() === '') return;
    create.mutate(name.trim(), { onSuccess: (workspace) => navigate({ name: 'flows', ws: workspace.id }, { replace: true }) });
  };
  return (
    <main className="auth" id="main" data-testid="no-workspace">
      <div className="auth-card">
        <h1>No workspace yet</h1>
        <p>
          You are signed in as {me.user.email} but belong to no workspace. Ask an owner to add you to theirs with this email, or create your own.
        </p>
        <form onSubmit={submit}>
          <TextField label="Workspace name" required maxLength={120} value={name} onChange={setName} errors={fieldErrors(create.error, '/name')} testId="no-workspace-name" />
          {create.error !== null && <ErrorNotice error={create.error} hidePointers={['/name']} />}
          <button type="submit" className="button button-primary button-wide" disabled={create.isPending || name.trim() === ''} data-testid="no-workspace-create">
            {create.isPending ? 'Creating…' : 'Create workspace'}
          </button>
        </form>
        <p className="auth-footer">
          <button type="button" className="button button-small" onClick={onSignOut}>
            Sign out
          </button>
        </p>
      </div>
    </main>
  );
}

/** Signed in on `#/`, `#/signin` or `#/signup`: moves on to a workspace. */
export function HomeRedirect({ onSignOut }: { onSignOut: () => void }) {
  const me = useMe();
  // Taken once per visit: takeReturnTo forgets the route, and effects can run twice in development.
  const returnTo = useRef<{ route: Route | undefined } | undefined>(undefined);
  const data = me.data;

  useEffect(() => {
    returnTo.current ??= { route: takeReturnTo() };
    if (data === undefined) return;
    const target = landingRoute(data, returnTo.current.route);
    if (target !== undefined) navigate(target, { replace: true });
  }, [data]);

  if (me.error !== null) {
    return (
      <main className="splash" id="main">
        <ErrorNotice error={me.error} title="Your workspaces could not be loaded" />
        <p className="splash-actions">
          <button type="button" className="button button-primary" onClick={() => void me.refetch()}>
            Try again
          </button>
          <button type="button" className="button" onClick={onSignOut}>
            Sign out
          </button>
        </p>
      </main>
    );
  }
  if (data !== undefined && data.workspaces.length === 0) return <NoWorkspace me={data} onSignOut={onSignOut} />;
  return (
    <main className="splash" id="main">
      <p className="muted" role="status">
        Opening your workspace…
      </p>
    </main>
  );
}
