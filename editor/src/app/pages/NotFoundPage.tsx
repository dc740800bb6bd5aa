import { hrefOf } from '../router.js';

/** An address the editor does not know. */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <main className="splash" id="main" data-testid="not-found">
      <h1>Page not found</h1>
      <p className="muted">
        Nothing lives at <code>{path}</code>.
      </p>
      <p>
        <a className="button button-primary" href={hrefOf({ name: 'home' })}>
          Go to your workspace
        </a>
      </p>
    </main>
  );
}
