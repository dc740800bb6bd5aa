import { useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, exportFileName, useApi, useCreateFlow, useDeleteFlow, useFlows, useImportFlow, useUpdateFlow, type FlowSummary } from '../../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNotice, fieldErrors } from '../components/ErrorNotice.js';
import { EmptyRow, QueryStatus } from '../components/ListParts.js';
import { downloadText, formatTime } from '../components/format.js';
import { Modal } from '../components/Modal.js';
import { TextField } from '../components/TextField.js';
import { EXAMPLE_FLOWS, exampleDocument } from '../examples.js';
import { hrefOf, navigate } from '../router.js';

function NewFlowDialog({ ws, takenIds, onClose }: { ws: string; takenIds: ReadonlySet<string>; onClose: () => void }) {
  const create = useCreateFlow(ws);
  const [name, setName] = useState('Untitled flow');
  const [pending, setPending] = useState<string | undefined>(undefined);

  const done = (flowId: string) => {
    onClose();
    navigate({ name: 'flow', ws, flowId });
  };
  const createBlank = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    setPending('blank');
    create.mutate({ name: name.trim() === '' ? 'Untitled flow' : name.trim() }, { onSuccess: (flow) => done(flow.id) });
  };
  const createExample = (exampleId: string) => {
    const example = EXAMPLE_FLOWS.find((e) => e.id === exampleId);
    if (example === undefined || create.isPending) return;
    setPending(exampleId);
    create.mutate({ document: exampleDocument(example, takenIds) }, { onSuccess: (flow) => done(flow.id) });
  };

  return (
    <Modal title="New flow" onClose={onClose} busy={create.isPending} testId="flow-new-dialog">
      <form onSubmit={createBlank} className="new-flow-blank">
        <TextField label="Name" maxLength={120} value={name} onChange={setName} errors={fieldErrors(create.error, '/name')} testId="flow-new-name" data-autofocus />
        <button type="submit" className="button button-primary" disabled={create.isPending} data-testid="flow-new-blank">
          {pending === 'blank' && create.isPending ? 'Creating…' : 'Create blank flow'}
        </button>
      </form>
      {EXAMPLE_FLOWS.length > 0 && (
        <section aria-labelledby="new-flow-examples">
          <h3 id="new-flow-examples">Or start from an example</h3>
          <ul className="example-list">
            {EXAMPLE_FLOWS.map((example) => (
              <li key={example.id}>
                <button type="button" className="example" onClick={() => createExample(example.id)} disabled={create.isPending} data-testid={`flow-new-example-${example.id}`}>
                  <span className="example-name">{pending === example.id && create.isPending ? `Creating ${example.name}…` : example.name}</span>
                  <span className="example-description">{example.description}</span>
                  {example.plugins.length > 0 && <span className="example-plugins">needs plugin {example.plugins.join(', ')}</span>}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {create.error !== null && <ErrorNotice error={create.error} title="The flow was not created" hidePointers={['/name']} testId="flow-new-error" />}
      <div className="modal-actions">
        <button type="button" className="button" onClick={onClose} disabled={create.isPending}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

function RenameForm({ ws, flow, onDone }: { ws: string; flow: FlowSummary; onDone: () => void }) {
  const update = useUpdateFlow(ws);
  const [name, setName] = useState(flow.name);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = name.trim();
    if (next === '' || next === flow.name) return onDone();
    update.mutate({ flowId: flow.id, name: next, revision: flow.revision }, { onSuccess: onDone });
  };
  return (
    <form
      className="rename-form"
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onDone();
      }}
    >
      <TextField label={`New name for ${flow.name}`} maxLength={120} value={name} onChange={setName} errors={fieldErrors(update.error, '/name')} testId={`flow-rename-input-${flow.id}`} autoFocus />
      <button type="submit" className="button button-primary button-small" disabled={update.isPending} data-testid={`flow-rename-save-${flow.id}`}>
        {update.isPending ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="button button-small" onClick={onDone} disabled={update.isPending}>
        Cancel
      </button>
      {update.error !== null && <ErrorNotice error={update.error} title="Not renamed" hidePointers={['/name']} />}
    </form>
  );
}

/** The flows of a workspace: open, create (blank or from an example), import, export, rename, delete. */
export function FlowsPage({ ws }: { ws: string }) {
  const api = useApi();
  const flows = useFlows(ws);
  const remove = useDeleteFlow(ws);
  const importFlow = useImportFlow(ws);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<string | undefined>(undefined);
  const [deleting, setDeleting] = useState<FlowSummary | undefined>(undefined);
  const [importProblem, setImportProblem] = useState<unknown>(undefined);
  const [pendingImport, setPendingImport] = useState<Record<string, unknown> | undefined>(undefined);
  const [exportProblem, setExportProblem] = useState<unknown>(undefined);
  const fileRef = useRef<HTMLInputElement>(null);
  const takenIds = useMemo(() => new Set((flows.data ?? []).map((f) => f.id)), [flows.data]);

  const runImport = (document: Record<string, unknown>, replace: boolean) => {
    setPendingImport(document);
    importFlow.mutate(
      { document, replace },
      {
        onSuccess: (flow) => {
          setPendingImport(undefined);
          navigate({ name: 'flow', ws, flowId: flow.id });
        },
        onError: (error) => setImportProblem(error),
      },
    );
  };
  const onFile = async (file: File | undefined) => {
    setImportProblem(undefined);
    if (file === undefined) return;
    let document: unknown;
    try {
      document = JSON.parse(await file.text());
    } catch (error) {
      setImportProblem(new Error(`${file.name} is not JSON: ${(error as Error).message}`));
      return;
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      setImportProblem(new Error(`${file.name} does not hold a flow document (a JSON object)`));
      return;
    }
    runImport(document as Record<string, unknown>, false);
  };
  const exportFlow = async (flow: FlowSummary) => {
    setExportProblem(undefined);
    try {
      downloadText(exportFileName(flow.id), await api.flows.export(ws, flow.id));
    } catch (error) {
      setExportProblem(error);
    }
  };
  const importConflict = importProblem instanceof ApiError && importProblem.status === 409 && pendingImport !== undefined;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Flows</h1>
        <div className="page-actions">
          <input ref={fileRef} type="file" accept=".json,application/json" className="visually-hidden" tabIndex={-1} aria-hidden="true" onChange={(event) => void onFile(event.target.files?.[0]).finally(() => (event.target.value = ''))} data-testid="flow-import-file" />
          <button type="button" className="button" onClick={() => fileRef.current?.click()} disabled={importFlow.isPending} data-testid="flow-import">
            {importFlow.isPending ? 'Importing…' : 'Import file'}
          </button>
          <button type="button" className="button button-primary" onClick={() => setCreating(true)} data-testid="flow-new">
            New flow
          </button>
        </div>
      </div>

      {importProblem !== undefined && (
        <div className="stack">
          <ErrorNotice error={importProblem} title="The file was not imported" testId="flow-import-error" />
          {importConflict && (
            <button type="button" className="button button-danger" onClick={() => runImport(pendingImport, true)} disabled={importFlow.isPending} data-testid="flow-import-replace">
              Replace the existing flow with this file
            </button>
          )}
        </div>
      )}
      {exportProblem !== undefined && <ErrorNotice error={exportProblem} title="Export failed" />}

      <QueryStatus query={flows} loading="Loading flows…" errorTitle="The flows could not be loaded" />
      {flows.data !== undefined && (
        <table className="table" data-testid="flows-list">
          <caption className="visually-hidden">Flows of this workspace</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Revision</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.data.length === 0 && (
              <EmptyRow colSpan={5}>
                No flows yet. Create one with <strong>New flow</strong>, from scratch or from an example.
              </EmptyRow>
            )}
            {flows.data.map((flow) => (
              <tr key={flow.id} data-testid={`flow-row-${flow.id}`}>
                <td>
                  {renaming === flow.id ? (
                    <RenameForm ws={ws} flow={flow} onDone={() => setRenaming(undefined)} />
                  ) : (
                    <a href={hrefOf({ name: 'flow', ws, flowId: flow.id })} className="flow-name" data-testid={`flow-open-${flow.id}`}>
                      {flow.name}
                    </a>
                  )}
                </td>
                <td>
                  <code>{flow.id}</code>
                </td>
                <td>{flow.revision}</td>
                <td>{formatTime(flow.updatedAt)}</td>
                <td className="row-actions">
                  <button type="button" className="button button-small" onClick={() => setRenaming(flow.id)} aria-label={`Rename ${flow.name}`} data-testid={`flow-rename-${flow.id}`}>
                    Rename
                  </button>
                  <button type="button" className="button button-small" onClick={() => void exportFlow(flow)} aria-label={`Export ${flow.name}`} data-testid={`flow-export-${flow.id}`}>
                    Export
                  </button>
                  <button
                    type="button"
                    className="button button-small button-danger"
                    onClick={() => {
                      remove.reset();
                      setDeleting(flow);
                    }}
                    aria-label={`Delete ${flow.name}`}
                    data-testid={`flow-delete-${flow.id}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {creating && <NewFlowDialog ws={ws} takenIds={takenIds} onClose={() => setCreating(false)} />}
      {deleting !== undefined && (
        <ConfirmDialog
          title={`Delete "${deleting.name}"?`}
          message={
            <p>
              The flow <code>{deleting.id}</code>, its published versions and its deployments are deleted; widgets and API keys using them stop answering. Conversations and the
              credit ledger stay. This cannot be undone.
            </p>
          }
          confirmLabel="Delete flow"
          danger
          busy={remove.isPending}
          error={remove.error ?? undefined}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(undefined) })}
        />
      )}
    </div>
  );
}
