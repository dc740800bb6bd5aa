import type { NodeRunView } from './types.js';

function show(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** What the node received and returned in the test chat's last turn, its duration and its error. */
export function NodeRunSection({ run }: { run: NodeRunView }) {
  const port = run.port ?? (run.error === undefined ? 'running…' : 'error');
  return (
    <section className="node-run" data-testid="node-run" aria-label="Last test run">
      <h3>Last test run</h3>
      <dl>
        <dt>Port</dt>
        <dd data-testid="node-run-port" className={run.error === undefined ? undefined : 'node-run-error'}>
          {port}
        </dd>
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
        <dt>Received</dt>
        <dd>
          <pre data-testid="node-run-input">{show(run.input)}</pre>
        </dd>
        <dt>Returned</dt>
        <dd>
          <pre data-testid="node-run-output">{show(run.output)}</pre>
        </dd>
      </dl>
    </section>
  );
}
