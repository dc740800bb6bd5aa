import type { NodeRun } from '../chat/index.js';

function show(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** What one node received and returned in the test chat's last turn, its duration and its error. */
export function NodeRunPanel({ nodeId, run, onClose }: { nodeId: string; run: NodeRun; onClose: () => void }) {
  return (
    <section className="node-run" data-testid="node-run" aria-label={`Run of ${nodeId}`}>
      <header>
        <strong>{nodeId}</strong>
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <dl>
        <dt>Received</dt>
        <dd>
          <pre data-testid="node-run-input">{show(run.input)}</pre>
        </dd>
        <dt>Returned</dt>
        <dd>
          <pre data-testid="node-run-output">{show(run.output)}</pre>
        </dd>
        <dt>Port</dt>
        <dd data-testid="node-run-port">{run.port ?? (run.error === undefined ? 'running…' : 'error')}</dd>
        <dt>Duration</dt>
        <dd data-testid="node-run-duration">{run.durationMs === undefined ? '—' : `${run.durationMs} ms`}</dd>
        {run.error !== undefined && (
          <>
            <dt>Error</dt>
            <dd className="node-run-error" data-testid="node-run-error">
              <code>{run.error.code}</code> {run.error.message}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
