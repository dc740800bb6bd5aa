import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useNodesInitialized,
  useStore,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { registryFromManifests } from '@nexusflow/engine/browser';
import type { FlowDocument, PluginManifest } from '@nexusflow/schemas';
import type { PaletteEntry } from '../api/types.js';
import { copyNodes, pasteNodes, type ClipboardContent } from './clipboard.js';
import { defaultConfig } from './config-defaults.js';
import { addNode, connect, GRID, moveNodes, removeElements, setNodeConfig, setNodeLabel } from './document-edit.js';
import { syncEdges, syncNodes, withSelection, type CanvasEdge, type CanvasNode, type CanvasView } from './graph.js';
import { canRedo, canUndo, createHistory, record, redo, undo, type History } from './history.js';
import { colourOf } from './icons.js';
import { Inspector } from './Inspector.js';
import { NODE_TYPES } from './FlowNodeView.js';
import { Palette } from './Palette.js';
import { checkDocument, placeProblems, problemsByElement, type PlacedProblem } from './problems.js';
import { ProblemsList } from './ProblemsList.js';
import type { ShortcutAction } from './shortcuts.js';
import { useCanvasKeys } from './useCanvasKeys.js';
import { useDebounced } from './useDebounced.js';
import { CanvasToolbar } from './CanvasToolbar.js';
import { DEFAULT_NODE_SIZE, NODE_DRAG_TYPE, type NodeRunView } from './types.js';
import { readClipboard, writeClipboard } from './clipboard-store.js';
import './canvas.css';

export interface FlowEditorProps {
  /** The flow being edited; the editor never changes it in place. */
  document: FlowDocument;
  /** Every node type the server reports (`GET …/node-types`). */
  palette: readonly PaletteEntry[];
  /** Manifests of the enabled plugins: the browser runs the server's checks against them. */
  manifests: readonly PluginManifest[];
  /** Every edit answers a new document (undo and redo too). */
  onChange: (document: FlowDocument) => void;
  /** The node the test chat runs now, lit up. */
  activeNodeId?: string | undefined;
  /** What each node did in the test chat's last turn. */
  nodeRuns?: Readonly<Record<string, NodeRunView>>;
  /** Live validation results, for the page's status line. */
  onProblems?: (problems: readonly PlacedProblem[]) => void;
}

/** How long edits settle before the flow is checked again (checks of large flows take a while). */
const CHECK_DELAY_MS = 150;
const NO_RUNS: Readonly<Record<string, NodeRunView>> = {};
const NO_PROBLEMS: readonly PlacedProblem[] = [];
/** Below this zoom, nodes show only their header. */
const ZOOMED_OUT_BELOW = 0.45;

/**
 * The flow canvas: palette, React Flow graph, inspector for the selected node, and the problems of
 * live validation. The document is the single source of truth; the canvas keeps only what React
 * Flow needs between edits (measurements, selection, positions while dragging).
 */
export function FlowEditor(props: FlowEditorProps) {
  return (
    <ReactFlowProvider>
      <FlowCanvas {...props} />
    </ReactFlowProvider>
  );
}

function FlowCanvas({ document, palette, manifests, onChange, activeNodeId, nodeRuns = NO_RUNS, onProblems }: FlowEditorProps) {
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const initialized = useNodesInitialized();
  // Zoomed far out, node text is unreadable anyway and painting it is most of a frame: draw less.
  const zoomedOut = useStore((state) => state.transform[2] < ZOOMED_OUT_BELOW);
  const registry = useMemo(() => registryFromManifests(manifests), [manifests]);
  const paletteByType = useMemo(() => new Map(palette.map((e) => [e.type, e])), [palette]);

  // Undo history; a ref mirrors it so callbacks read the latest without re-creating.
  const [history, setHistory] = useState<History<FlowDocument>>(() => createHistory(document));
  const historyRef = useRef(history);
  historyRef.current = history;
  const documentRef = useRef(document);
  documentRef.current = document;
  useEffect(() => {
    // A document that did not come from this canvas (an import, a reload after save) is a step too.
    if (document !== historyRef.current.present) setHistory((h) => record(h, document));
  }, [document]);

  const commit = useCallback(
    (next: FlowDocument, mergeKey?: string) => {
      if (next === documentRef.current) return;
      const recorded = record(historyRef.current, next, mergeKey);
      historyRef.current = recorded;
      setHistory(recorded);
      onChange(next);
    },
    [onChange],
  );
  const travel = useCallback(
    (direction: 'undo' | 'redo') => {
      const moved = direction === 'undo' ? undo(historyRef.current) : redo(historyRef.current);
      if (moved === historyRef.current) return;
      historyRef.current = moved;
      setHistory(moved);
      onChange(moved.present);
    },
    [onChange],
  );

  // Live validation, on the document as it settles.
  const checkedDocument = useDebounced(document, CHECK_DELAY_MS);
  const placed = useMemo(() => placeProblems(checkedDocument, checkDocument(checkedDocument, registry)), [checkedDocument, registry]);
  const byElement = useMemo(() => problemsByElement(placed), [placed]);
  useEffect(() => onProblems?.(placed), [placed, onProblems]);

  const view: CanvasView = useMemo(() => ({ registry, palette: paletteByType, problems: byElement, activeNodeId, runs: nodeRuns }), [registry, paletteByType, byElement, activeNodeId, nodeRuns]);
  const [nodes, setNodes] = useState<CanvasNode[]>(() => syncNodes([], document, view));
  const [edges, setEdges] = useState<CanvasEdge[]>(() => syncEdges([], document, view));
  const pendingSelection = useRef<string[] | undefined>(undefined);
  useEffect(() => {
    setNodes((previous) => {
      const next = syncNodes(previous, document, view);
      const select = pendingSelection.current;
      if (select === undefined) return next;
      pendingSelection.current = undefined;
      return withSelection(next, select);
    });
    setEdges((previous) => syncEdges(previous, document, view));
  }, [document, view]);

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    // Removals go through onDelete, which edits the document.
    const kept = changes.filter((c) => c.type !== 'remove');
    if (kept.length > 0) setNodes((current) => applyNodeChanges(kept, current));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<CanvasEdge>[]) => {
    const kept = changes.filter((c) => c.type !== 'remove');
    if (kept.length > 0) setEdges((current) => applyEdgeChanges(kept, current));
  }, []);
  const onDelete = useCallback(
    ({ nodes: gone, edges: cut }: { nodes: CanvasNode[]; edges: CanvasEdge[] }) =>
      commit(removeElements(documentRef.current, gone.map((n) => n.id), cut.map((e) => e.id))),
    [commit],
  );
  const onNodeDragStop = useCallback(
    (_event: unknown, _node: CanvasNode, dragged: CanvasNode[]) => commit(moveNodes(documentRef.current, new Map(dragged.map((n) => [n.id, n.position])))),
    [commit],
  );
  const onConnect = useCallback(
    (connection: Connection) => {
      if (connection.sourceHandle === null || connection.sourceHandle === undefined) return;
      commit(connect(documentRef.current, connection.source, connection.sourceHandle, connection.target));
    },
    [commit],
  );

  const selectOnly = useCallback((nodeIds: string[]) => {
    setNodes((current) => withSelection(current, nodeIds));
    setEdges((current) => current.map((e) => (e.selected === true ? { ...e, selected: false } : e)));
  }, []);

  const addNodeAt = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const entry = paletteByType.get(type);
      if (entry === undefined) return;
      const added = addNode(documentRef.current, type, position, defaultConfig(entry.config));
      pendingSelection.current = [added.id];
      commit(added.doc);
    },
    [paletteByType, commit],
  );
  const wrapper = useRef<HTMLDivElement>(null);
  const addInView = useCallback(
    (type: string) => {
      const box = wrapper.current?.getBoundingClientRect();
      const centre = box === undefined ? { x: 0, y: 0 } : flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
      addNodeAt(type, { x: centre.x - 100, y: centre.y - 40 });
    },
    [flow, addNodeAt],
  );
  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(NODE_DRAG_TYPE);
      if (type === '') return;
      event.preventDefault();
      event.stopPropagation();
      addNodeAt(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [flow, addNodeAt],
  );

  const [busy, setBusy] = useState<string | undefined>(undefined);
  const arrange = useCallback(async () => {
    setBusy('Arranging…');
    try {
      const sizes = new Map(flow.getNodes().map((n) => [n.id, { width: n.measured?.width ?? DEFAULT_NODE_SIZE.width, height: n.measured?.height ?? DEFAULT_NODE_SIZE.height }]));
      // elkjs is large: loaded the first time someone arranges.
      const { layoutFlow } = await import('./layout.js');
      commit(moveNodes(documentRef.current, await layoutFlow(documentRef.current, sizes)));
      // After the new positions reach React Flow (the next render), not before.
      setTimeout(() => void flow.fitView({ duration: 300, maxZoom: 1 }), 60);
    } finally {
      setBusy(undefined);
    }
  }, [flow, commit]);

  const selectedIds = useCallback(() => flow.getNodes().filter((n) => n.selected === true).map((n) => n.id), [flow]);
  const paste = useCallback(
    (content: ClipboardContent | undefined) => {
      if (content === undefined || content.nodes.length === 0) return;
      const pasted = pasteNodes(documentRef.current, content);
      pendingSelection.current = pasted.ids;
      commit(pasted.doc);
    },
    [commit],
  );
  const runShortcut = useCallback(
    (action: ShortcutAction) => {
      switch (action) {
        case 'undo':
        case 'redo':
          return travel(action);
        case 'copy':
          return writeClipboard(copyNodes(documentRef.current, selectedIds()));
        case 'cut': {
          const ids = selectedIds();
          writeClipboard(copyNodes(documentRef.current, ids));
          return commit(removeElements(documentRef.current, ids));
        }
        case 'paste':
          return paste(readClipboard());
        case 'duplicate':
          return paste(copyNodes(documentRef.current, selectedIds()));
        case 'selectAll':
          return selectOnly(documentRef.current.nodes.map((n) => n.id));
        case 'fitView':
          return void flow.fitView({ duration: 300, maxZoom: 1 });
        case 'layout':
          return void arrange();
      }
    },
    [travel, selectedIds, commit, paste, selectOnly, flow, arrange],
  );
  useCanvasKeys(wrapper, runShortcut);

  // The inspector follows a single selected node; a picked problem focuses its field.
  const selected = nodes.filter((n) => n.selected === true);
  const inspected = selected.length === 1 ? selected[0] : undefined;
  const inspectedIndex = inspected === undefined ? -1 : document.nodes.findIndex((n) => n.id === inspected.id);
  const inspectedNode = inspectedIndex === -1 ? undefined : document.nodes[inspectedIndex];
  const [focus, setFocus] = useState<{ pointer: string; nonce: number } | undefined>(undefined);
  const pickProblem = useCallback(
    (problem: PlacedProblem) => {
      if (problem.nodeId !== undefined) {
        selectOnly([problem.nodeId]);
        const node = flow.getNode(problem.nodeId);
        if (node !== undefined) void flow.setCenter(node.position.x + (node.measured?.width ?? 200) / 2, node.position.y + (node.measured?.height ?? 80) / 2, { duration: 300, zoom: Math.max(flow.getZoom(), 0.8) });
        setFocus({ pointer: problem.pointer, nonce: Date.now() });
      } else if (problem.edgeId !== undefined) {
        const edgeId = problem.edgeId;
        selectOnly([]);
        setEdges((current) => current.map((e) => (e.id === edgeId ? { ...e, selected: true } : e)));
      }
    },
    [flow, selectOnly],
  );
  const onConfigChange = useCallback(
    (config: Record<string, unknown>) => {
      if (inspectedNode === undefined) return;
      commit(setNodeConfig(documentRef.current, inspectedNode.id, config), `config:${inspectedNode.id}`);
    },
    [inspectedNode, commit],
  );
  const onLabelChange = useCallback(
    (label: string) => {
      if (inspectedNode === undefined) return;
      commit(setNodeLabel(documentRef.current, inspectedNode.id, label), `label:${inspectedNode.id}`);
    },
    [inspectedNode, commit],
  );

  return (
    <div className="flow-editor" data-testid="flow-editor">
      <Palette entries={palette} onAdd={addInView} />
      <div className="flow-editor-main">
        <div className={zoomedOut ? 'flow-editor-canvas is-zoomed-out' : 'flow-editor-canvas'} ref={wrapper} data-testid="canvas" data-ready={initialized ? 'true' : 'false'} onDragOver={onDragOver} onDrop={onDrop}>
          <ReactFlow<CanvasNode, CanvasEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onDelete={onDelete}
            onNodeDragStop={onNodeDragStop}
            onConnect={onConnect}
            // A picked problem's focus is for that pick only, not for the next time the node is opened.
            onNodeClick={() => setFocus(undefined)}
            deleteKeyCode={['Backspace', 'Delete']}
            snapToGrid
            snapGrid={[GRID, GRID]}
            colorMode="dark"
            fitView
            fitViewOptions={{ maxZoom: 1 }}
            minZoom={0.05}
            defaultEdgeOptions={{ interactionWidth: 16 }}
            proOptions={{ hideAttribution: true }}
          >
            <Background variant={BackgroundVariant.Dots} gap={GRID * 2} />
            <MiniMap pannable zoomable nodeColor={(n) => colourOf((n as CanvasNode).data.category)} aria-label="Minimap" />
            <Controls showInteractive={false} />
            <CanvasToolbar
              canUndo={canUndo(history)}
              canRedo={canRedo(history)}
              busy={busy}
              onUndo={() => travel('undo')}
              onRedo={() => travel('redo')}
              onArrange={() => void arrange()}
              onFit={() => void flow.fitView({ duration: 300, maxZoom: 1 })}
            />
          </ReactFlow>
        </div>
        <ProblemsList problems={placed} onPick={pickProblem} />
      </div>
      {inspectedNode !== undefined && (
        <Inspector
          key={inspectedNode.id}
          node={inspectedNode}
          entry={paletteByType.get(inspectedNode.type)}
          document={document}
          problems={byElement.nodes.get(inspectedNode.id) ?? NO_PROBLEMS}
          nodeIndex={inspectedIndex}
          {...(focus === undefined ? {} : { focus })}
          onConfigChange={onConfigChange}
          onLabelChange={onLabelChange}
          run={nodeRuns[inspectedNode.id]}
        />
      )}
    </div>
  );
}
