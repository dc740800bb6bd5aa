import { ApiError, errorMessage } from '../../api/index.js';

export interface ErrorNoticeProps {
  error: unknown;
  /** A line before the server's message, e.g. "Could not save". */
  title?: string;
  testId?: string;
  /** Leave out details whose pointer a form already shows next to its field. */
  hidePointers?: readonly string[];
}

/**
 * An error as the API explained it: its message and each detail with where it is. Announced to
 * screen readers (role="alert").
 */
export function ErrorNotice({ error, title, testId, hidePointers = [] }: ErrorNoticeProps) {
  const details = error instanceof ApiError ? error.details.filter((d) => !hidePointers.includes(d.pointer)) : [];
  return (
    <div className="notice notice-error" role="alert" data-testid={testId}>
      {title !== undefined && <strong className="notice-title">{title}: </strong>}
      <span className="notice-message">{errorMessage(error)}</span>
      {details.length > 0 && (
        <ul className="notice-details">
          {details.map((d, i) => (
            <li key={`${d.pointer}-${i}`}>
              {d.pointer !== '' && <code>{d.pointer}</code>} {d.message}
            </li>
          ))}
        </ul>
      )}
      {error instanceof ApiError && error.requestId !== undefined && <div className="notice-meta">request id {error.requestId}</div>}
    </div>
  );
}

/** Messages of the details at one body pointer (`/email`), for a form field. */
export function fieldErrors(error: unknown, pointer: string): string[] {
  return error instanceof ApiError ? error.detailsAt(pointer).map((d) => d.message) : [];
}
