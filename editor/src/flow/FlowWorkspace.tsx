import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { FlowDocument } from '@nexusflow/schemas';
import {
  errorMessage,
  exportFileName,
  tokenStore,
  useApi,
  useCreateDeployment,
  useDeployments,
  useFlow,
  useNodeTypes,
  usePlugins,
  usePointDeployment,
  usePublishFlow,
  useRollbackDeployment,
  useUpdateFlow,
  useVersions,
} from '../api/index.js';
import { FlowEditor, type PlacedProblem } from '../canvas/index.js';
import { EMPTY_TRACE, TestChatPanel, type TraceState } from '../chat/index.js';
import { importFlowText, type ImportProblem } from './import-file.js';
import { VersionsPanel } from './VersionsPanel.js';
import { clearLocalDraft, differsFrom, readLocalDraft, writeLocalDraft, type LocalDraft } from './local-draft.js';
import { downloadText, formatTime } from '../app/components/format.js';
import './flow.css';

export interface FlowWorkspaceProps {
  workspaceId: string;
  flowId: string;
}

/**
 * The page where a flow is edited: the canvas with its palette and inspector, save, publish and
 * deploy, import and export, and the test chat whose trace lights up the canvas.
 */
export function FlowWorkspace({ workspaceId, flowId }: FlowWorkspaceProps) {
  const api = useApi();
  const flow = useFlow(workspaceId, flowId);
  const nodeTypes = useNodeTypes(workspaceId);
  const plugins = usePlugins(workspaceId);
  const versions = useVersions(workspaceId, flowId);
  const deployments = useDeployments(workspaceId, flowId);
  const save = useUpdateFlow(workspaceId);
  const publish = usePublishFlow(workspaceId);
  const createDeployment = useCreateDeployment(workspaceId);
  const pointDeployment = usePointDeployment(workspaceId);
  const rollback = useRollbackDeployment(workspaceId);

  const [draft, setDraft] = useState<FlowDocument | undefined>(undefined);
  const [dirty, setDirty] = useState(false);
  const [status, setStatus] = useState<string>('');
  const [importProblems, setImportProblems] = useState<ImportProblem[]>([]);
  const [trace, setTrace] = useState<TraceState>(EMPTY_TRACE);
  const [showVersions, setShowVersions] = useState(false);
  const [showChat, setShowChat] = useState(true);
  const [recoverable, setRecoverable] = useState<LocalDraft | undefined>(undefined);
  const [problemCount, setProblemCount] = useState(0);
  const onProblems = useCallback((problems: readonly PlacedProblem[]) => setProblemCount(problems.length), []);
  const fileInput = useRef<HTMLInputElement>(null);

  // The draft is loaded once per flow; later answers (our own saves) must not replace what is being edited.
  const loadedFor = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (flow.data === undefined || loadedFor.current === flowId) return;
    loadedFor.current = flowId;
    setDraft(flow.data.document);
    setDirty(false);
    const kept = readLocalDraft(workspaceId, flowId);
    if (kept !== undefined && differsFrom(kept, flow.data.document)) setRecoverable(kept);
    else if (kept !== undefined) clearLocalDraft(workspaceId, flowId);
  }, [flow.data, flowId, workspaceId]);

  // Unsaved edits are kept in the browser as they happen (the server saves only valid flows).
  useEffect(() => {
    if (!dirty || draft === undefined || flow.data === undefined) return undefined;
    const timer = setTimeout(() => writeLocalDraft(workspaceId, flowId, { document: draft, at: Date.now(), baseRevision: flow.data?.revision ?? 0 }), 400);
    return () => clearTimeout(timer);
  }, [dirty, draft, flow.data, workspaceId, flowId]);
  const draftRef = useRef(draft);
  draftRef.current = draft;

  // Unsaved edits survive neither a closed tab nor a reload: ask first.
  useEffect(() => {
    if (!dirty) return undefined;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const manifests = useMemo(() => (plugins.data ?? []).filter((p) => p.enabled).map((p) => p.manifest), [plugins.data]);
  const deployment = deployments.data?.[0];

  const onChange = useCallback((doc: FlowDocument) => {
    setDraft(doc);
    setDirty(true);
    setStatus('Unsaved changes');
  }, []);

  async function saveDraft(): Promise<boolean> {
    const saving = draftRef.current;
    if (saving === undefined || flow.data === undefined) return false;
    setStatus('Saving…');
    try {
      await save.mutateAsync({ flowId, document: saving, revision: flow.data.revision });
      // Edits made while the save was on its way are still unsaved.
      const current = draftRef.current === saving;
      setDirty(!current);
      if (current) clearLocalDraft(workspaceId, flowId);
      setStatus(current ? 'Saved' : 'Unsaved changes');
      return true;
    } catch (error) {
      setStatus(`Not saved: ${errorMessage(error)}`);
      return false;
    }
  }

  async function publishDraft(note: string): Promise<void> {
    if (dirty && !(await saveDraft())) return;
    try {
      const version = await publish.mutateAsync({ flowId, ...(note === '' ? {} : { note }) });
      setStatus(`Published version ${version.version}`);
    } catch (error) {
      setStatus(`Not published: ${errorMessage(error)}`);
    }
  }

  async function deployVersion(versionId: string): Promise<void> {
    try {
      if (deployment === undefined) await createDeployment.mutateAsync({ flowId, key: deploymentKeyOf(flowId), versionId });
      else await pointDeployment.mutateAsync({ deploymentId: deployment.id, versionId });
      const number = versions.data?.find((v) => v.id === versionId)?.version;
      setStatus(`Deployed version ${number ?? ''}`.trim());
    } catch (error) {
      setStatus(`Not deployed: ${errorMessage(error)}`);
    }
  }

  async function rollBack(): Promise<void> {
    if (deployment === undefined) return;
    try {
      await rollback.mutateAsync(deployment.id);
      setStatus('Rolled back to the previous version');
    } catch (error) {
      setStatus(`Not rolled back: ${errorMessage(error)}`);
    }
  }

  function importText(text: string): void {
    const result = importFlowText(text, flowId, manifests);
    if (!result.ok) {
      setImportProblems(result.problems);
      setStatus('Import refused: the file has problems; the flow is unchanged');
      return;
    }
    setImportProblems([]);
    onChange(result.document);
    setStatus(result.renamed ? 'Imported (the id of this flow was kept); save to keep it' : 'Imported; save to keep it');
  }

  async function exportFlow(): Promise<void> {
    if (dirty && !(await saveDraft())) return;
    try {
      downloadText(exportFileName(flowId), await api.flows.export(workspaceId, flowId));
      setStatus('Exported');
    } catch (error) {
      setStatus(`Not exported: ${errorMessage(error)}`);
    }
  }

  const saveRef = useRef(saveDraft);
  saveRef.current = saveDraft;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        void saveRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  function onDrop(event: DragEvent<HTMLDivElement>): void {
    const file = event.dataTransfer.files[0];
    if (file === undefined) return;
    event.preventDefault();
    void file.text().then(importText);
  }

  if (flow.isError) return <p role="alert">{errorMessage(flow.error)}</p>;
  if (draft === undefined || nodeTypes.data === undefined || plugins.data === undefined) return <p className="flow-loading">Loading the flow…</p>;
  const token = tokenStore.get() ?? '';

  return (
    <div className="flow-workspace" data-testid="flow-workspace">
      <div className="flow-toolbar" role="toolbar" aria-label="Flow">
        <strong className="flow-name" title={draft.description ?? draft.name}>
          {draft.name}
        </strong>
        <button type="button" className="button button-small button-primary" data-testid="flow-save" onClick={() => void saveDraft()} disabled={!dirty || save.isPending} title="Save the draft (Ctrl/⌘ S)">
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button button-small" data-testid="flow-versions" onClick={() => setShowVersions(!showVersions)} aria-expanded={showVersions}>
          Versions{versions.data !== undefined && versions.data.length > 0 ? ` (${versions.data.length})` : ''}
        </button>
        {deployment !== undefined && (
          <span className="flow-deployment" data-testid="flow-deployment" title="The deployment's key (the model name on the OpenAI-compatible API)">
            live: <code>{deployment.key}</code> v{versions.data?.find((v) => v.id === deployment.versionId)?.version ?? '?'}
          </span>
        )}
        <span className="flow-spacer" />
        <span className={problemCount === 0 ? 'flow-problems flow-problems-none' : 'flow-problems'} data-testid="flow-problems">
          {problemCount === 0 ? '✓ valid' : `${problemCount} problem${problemCount === 1 ? '' : 's'}`}
        </span>
        <button type="button" className="button button-small" data-testid="flow-import" onClick={() => fileInput.current?.click()} title="Replace this flow with a flow file (you can also drop the file on the canvas)">
          Import
        </button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="flow-import-file" onChange={(e) => void e.target.files?.[0]?.text().then(importText).finally(() => (e.target.value = ''))} />
        <button type="button" className="button button-small" data-testid="flow-export" onClick={() => void exportFlow()} title="Download the flow as JSON (saves first)">
          Export
        </button>
        <button type="button" className="button button-small" data-testid="flow-chat-toggle" onClick={() => setShowChat(!showChat)} aria-pressed={showChat} title="Show or hide the test chat (it keeps its conversation)">
          Test chat
        </button>
        <span className="flow-status" data-testid="flow-status" aria-live="polite">
          {status}
        </span>
      </div>
      {recoverable !== undefined && (
        <div className="draft-recovery" role="status" data-testid="draft-recovery">
          <span>
            This browser kept unsaved changes from {formatTime(recoverable.at)}
            {flow.data !== undefined && recoverable.baseRevision < flow.data.revision ? ' (the flow has been saved since; restoring replaces those changes)' : ''}.
          </span>
          <button
            type="button"
            className="button button-small button-primary"
            data-testid="draft-restore"
            onClick={() => {
              onChange(recoverable.document);
              setRecoverable(undefined);
              setStatus('Restored unsaved changes; save to keep them');
            }}
          >
            Restore
          </button>
          <button
            type="button"
            className="button button-small"
            data-testid="draft-discard"
            onClick={() => {
              clearLocalDraft(workspaceId, flowId);
              setRecoverable(undefined);
            }}
          >
            Discard
          </button>
        </div>
      )}
      {importProblems.length > 0 && (
        <div className="import-problems" role="alert" data-testid="import-problems">
          <strong>The file was not imported; the flow is unchanged ({importProblems.length} problem{importProblems.length === 1 ? '' : 's'}):</strong>
          <ul>
            {importProblems.map((p, i) => (
              <li key={i}>
                <code>{p.pointer || '/'}</code> {p.message}
              </li>
            ))}
          </ul>
          <button type="button" className="button button-small" onClick={() => setImportProblems([])}>
            Dismiss
          </button>
        </div>
      )}
      <div className="flow-body">
        <div className="flow-canvas" onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()} onDrop={onDrop}>
          <FlowEditor document={draft} palette={nodeTypes.data} manifests={manifests} onChange={onChange} activeNodeId={trace.activeNodeId} nodeRuns={trace.runs} onProblems={onProblems} />
        </div>
        {showVersions && (
          <VersionsPanel
            versions={versions.data}
            deployment={deployment}
            busy={publish.isPending || createDeployment.isPending || pointDeployment.isPending || rollback.isPending}
            onPublish={(note) => void publishDraft(note)}
            onDeploy={(versionId) => void deployVersion(versionId)}
            onRollback={() => void rollBack()}
            onClose={() => setShowVersions(false)}
          />
        )}
        <aside className="flow-chat" hidden={!showChat}>
          <TestChatPanel workspaceId={workspaceId} document={draft} token={token} onTrace={setTrace} />
        </aside>
      </div>
    </div>
  );
}

/** A deployment key from a flow id: lowercase letters, digits and dashes, as the API asks. */
export function deploymentKeyOf(flowId: string): string {
  const key = flowId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 63);
  return key === '' ? 'flow' : key;
}
