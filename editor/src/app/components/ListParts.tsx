import type { ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice.js';

/**
 * The pieces every list page repeats around its query: the loading line and the error, the
 * table's "nothing here" row, and the Refresh and Load more buttons.
 */

/** "Loading …" while the query has no answer yet, and its error when it failed. */
export function QueryStatus({ query, loading, errorTitle }: { query: { isPending: boolean; error: unknown }; loading: string; errorTitle: string }) {
  return (
    <>
      {query.isPending && <p className="muted">{loading}</p>}
      {query.error !== null && <ErrorNotice error={query.error} title={errorTitle} />}
    </>
  );
}

/** A table body's only row when the list is empty, spanning its `colSpan` columns. */
export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="empty">
        {children}
      </td>
    </tr>
  );
}

/** Fetches the list again ("Refreshing…" meanwhile; loading a further page is not a refresh). */
export function RefreshButton({ query }: { query: { isFetching: boolean; isFetchingNextPage?: boolean; refetch: () => Promise<unknown> } }) {
  return (
    <button type="button" className="button" onClick={() => void query.refetch()} disabled={query.isFetching}>
      {query.isFetching && query.isFetchingNextPage !== true ? 'Refreshing…' : 'Refresh'}
    </button>
  );
}

/** The next page of a paged list, shown while there is one. */
export function LoadMoreButton({ query, testId }: { query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> }; testId?: string }) {
  if (!query.hasNextPage) return null;
  return (
    <button type="button" className="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} data-testid={testId}>
      {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
    </button>
  );
}
