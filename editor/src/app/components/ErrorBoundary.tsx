import { Component, type ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice.js';

interface Props {
  children: ReactNode;
  /** A new value (the next route) clears the failure. */
  resetKey: string;
}

type State = { failed: false } | { failed: true; error: unknown };

/** Keeps a page that throws (or an editor chunk that fails to load) from blanking the whole app. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(error: unknown): State {
    return { failed: true, error };
  }

  override componentDidUpdate(previous: Props): void {
    if (previous.resetKey !== this.props.resetKey && this.state.failed) this.setState({ failed: false });
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="page">
        <ErrorNotice error={this.state.error} title="This page stopped working" />
        <p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </p>
      </div>
    );
  }
}
