import { lazy, Suspense } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { AppsPage } from './apps/AppsPage.js';
import { ChannelsPage } from './channels/ChannelsPage.js';
import { ContactPage, ContactsPage } from './contacts/ContactsPage.js';
import { FlowsPage } from './pages/FlowsPage.js';
import { PluginsPage } from './pages/PluginsPage.js';
import { SessionPage, SessionsPage } from './pages/SessionsPage.js';
import { UsagePage } from './pages/UsagePage.js';
import { hrefOf, type WorkspaceRoute } from './router.js';
import { TopBar } from './TopBar.js';

// The flow page carries React Flow, the forms and the layout engine: loaded only when a flow is opened.
const FlowWorkspace = lazy(async () => ({ default: (await import('../flow/FlowWorkspace.js')).FlowWorkspace }));

function WorkspacePage({ route }: { route: WorkspaceRoute }) {
  switch (route.name) {
    case 'flows':
      return <FlowsPage ws={route.ws} />;
    case 'flow':
      return (
        <Suspense
          fallback={
            <p className="page muted" role="status">
              Loading the flow editor…
            </p>
          }
        >
          <FlowWorkspace key={route.flowId} workspaceId={route.ws} flowId={route.flowId} />
        </Suspense>
      );
    case 'sessions':
      return <SessionsPage ws={route.ws} />;
    case 'session':
      return <SessionPage key={route.sessionId} ws={route.ws} sessionId={route.sessionId} />;
    case 'contacts':
      return <ContactsPage ws={route.ws} />;
    case 'contact':
      return <ContactPage key={route.contactId} ws={route.ws} contactId={route.contactId} />;
    case 'channels':
      return <ChannelsPage ws={route.ws} />;
    case 'apps':
      return <AppsPage ws={route.ws} />;
    case 'usage':
      return <UsagePage ws={route.ws} />;
    case 'plugins':
      return <PluginsPage ws={route.ws} />;
  }
}

/** A workspace page under the top bar; the page fills the rest of the window. */
export function WorkspaceScreen({ route, onSignOut }: { route: WorkspaceRoute; onSignOut: () => void }) {
  return (
    <div className="app">
      <TopBar route={route} onSignOut={onSignOut} />
      <main className="app-main" id="main">
        <ErrorBoundary resetKey={hrefOf(route)}>
          {/* Keyed by workspace: switching workspace starts each page afresh. */}
          <WorkspacePage key={route.ws} route={route} />
        </ErrorBoundary>
      </main>
    </div>
  );
}
