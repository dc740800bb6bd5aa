import type { Edge, Node } from '@xyflow/react';
import type { NodeTypeRegistry } from '@nexusflow/engine/browser';
import type { FlowDocument, FlowNode } from '@nexusflow/schemas';
import type { PaletteEntry } from '../api/types.js';
import type { PlacedProblem } from './problems.js';
import { ERROR_PORT, type NodeRunView } from './types.js';

/** What a canvas node draws. Kept flat so an unchanged node keeps its object (React Flow memoises by identity). */
export interface FlowNodeData extends Record<string, unknown> {
  type: string;
  title: string;
  label: string | undefined;
  icon: string;
  category: string;
  /** Output ports without the implicit error port. */
  ports: readonly string[];
  /** One line of the config worth seeing on the canvas. */
  summary: string;
  /** No installed plugin provides this type. */
  unknown: boolean;
  problems: readonly string[];
  /** Running now in the test chat. */
  active: boolean;
  /** How the node ended in the test chat's last turn. */
  runState: 'ok' | 'error' | 'running' | undefined;
}

export type CanvasNode = Node<FlowNodeData, 'flow'>;
export type CanvasEdge = Edge<{ port: string; problems: readonly string[] }>;

/** Everything besides the document that decides how nodes look. */
export interface CanvasView {
  registry: NodeTypeRegistry;
  palette: ReadonlyMap<string, PaletteEntry>;
  problems: { nodes: ReadonlyMap<string, PlacedProblem[]>; edges: ReadonlyMap<string, PlacedProblem[]> };
  activeNodeId: string | undefined;
  runs: Readonly<Record<string, NodeRunView>>;
}

const SUMMARY_LENGTH = 60;
const NO_PROBLEMS: readonly string[] = [];

/** The ports each node's edges leave from, computed once per sync. */
function edgePortsBySource(doc: FlowDocument): Map<string, string[]> {
  const ports = new Map<string, string[]>();
  for (const edge of doc.edges) ports.set(edge.source, [...(ports.get(edge.source) ?? []), edge.port]);
  return ports;
}

/** The output ports of a node: its type's ports for this config, plus any port an edge already uses. */
export function portsOf(node: FlowNode, edgePorts: readonly string[], view: CanvasView): string[] {
  let ports: string[] = [];
  try {
    ports = view.registry.get(node.type)?.ports(node.config) ?? view.palette.get(node.type)?.ports ?? [];
  } catch {
    ports = view.palette.get(node.type)?.ports ?? [];
  }
  const out = ports.filter((p) => p !== ERROR_PORT);
  for (const port of edgePorts) if (port !== ERROR_PORT && !out.includes(port)) out.push(port);
  return out;
}

/** A short line describing the config: the first short text value, else how many settings there are. */
export function summaryOf(config: Record<string, unknown>): string {
  for (const key of ['text', 'model', 'url', 'name', 'code']) {
    const value = config[key];
    if (typeof value === 'string' && value.trim() !== '') return clip(value);
  }
  if (Array.isArray(config['conditions'])) return `${config['conditions'].length} condition${config['conditions'].length === 1 ? '' : 's'}`;
  const vars = config['vars'];
  if (typeof vars === 'object' && vars !== null) return clip(Object.keys(vars).join(', '));
  return '';
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > SUMMARY_LENGTH ? `${line.slice(0, SUMMARY_LENGTH - 1)}…` : line;
}

function runStateOf(run: NodeRunView | undefined): FlowNodeData['runState'] {
  if (run === undefined) return undefined;
  if (run.error !== undefined) return 'error';
  return run.port === undefined ? 'running' : 'ok';
}

function dataOf(node: FlowNode, edgePorts: readonly string[], view: CanvasView): FlowNodeData {
  const entry = view.palette.get(node.type);
  return {
    type: node.type,
    title: entry?.title ?? node.type,
    label: node.label,
    icon: entry?.icon ?? 'box',
    category: entry?.category ?? 'other',
    ports: portsOf(node, edgePorts, view),
    summary: summaryOf(node.config),
    unknown: view.registry.get(node.type) === undefined,
    problems: view.problems.nodes.get(node.id)?.map((p) => p.message) ?? NO_PROBLEMS,
    active: view.activeNodeId === node.id,
    runState: runStateOf(view.runs[node.id]),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function sameData(a: FlowNodeData, b: FlowNodeData): boolean {
  return (
    a.type === b.type &&
    a.title === b.title &&
    a.label === b.label &&
    a.icon === b.icon &&
    a.category === b.category &&
    a.summary === b.summary &&
    a.unknown === b.unknown &&
    a.active === b.active &&
    a.runState === b.runState &&
    sameList(a.ports, b.ports) &&
    sameList(a.problems, b.problems)
  );
}

/**
 * The canvas nodes for `doc`, reusing the previous node objects where nothing changed so React
 * Flow keeps their measurements and selection and re-renders only what moved or changed.
 */
export function syncNodes(previous: readonly CanvasNode[], doc: FlowDocument, view: CanvasView): CanvasNode[] {
  const before = new Map(previous.map((n) => [n.id, n]));
  const edgePorts = edgePortsBySource(doc);
  return doc.nodes.map((node) => {
    const data = dataOf(node, edgePorts.get(node.id) ?? [], view);
    const old = before.get(node.id);
    if (old === undefined) return { id: node.id, type: 'flow', position: { ...node.position }, data };
    const moved = old.position.x !== node.position.x || old.position.y !== node.position.y;
    if (!moved && sameData(old.data, data)) return old;
    return { ...old, position: moved ? { ...node.position } : old.position, data: sameData(old.data, data) ? old.data : data };
  });
}

/** The canvas edges for `doc`, reusing unchanged edge objects (selection is kept). */
export function syncEdges(previous: readonly CanvasEdge[], doc: FlowDocument, view: CanvasView): CanvasEdge[] {
  const before = new Map(previous.map((e) => [e.id, e]));
  return doc.edges.map((edge) => {
    const problems = view.problems.edges.get(edge.id)?.map((p) => p.message) ?? NO_PROBLEMS;
    const animated = view.activeNodeId !== undefined && edge.target === view.activeNodeId;
    const className = [edge.port === ERROR_PORT ? 'edge-error-port' : '', problems.length > 0 ? 'edge-problem' : ''].filter((c) => c !== '').join(' ');
    const old = before.get(edge.id);
    if (
      old !== undefined &&
      old.source === edge.source &&
      old.target === edge.target &&
      old.sourceHandle === edge.port &&
      old.animated === animated &&
      (old.className ?? '') === className &&
      sameList(old.data?.problems ?? NO_PROBLEMS, problems)
    ) {
      return old;
    }
    return {
      id: edge.id,
      source: edge.source,
      target: edge.target,
      sourceHandle: edge.port,
      targetHandle: 'in',
      animated,
      ...(className === '' ? {} : { className }),
      ...(old?.selected === true ? { selected: true } : {}),
      data: { port: edge.port, problems },
    };
  });
}

/** `nodes` with exactly `ids` selected; nodes whose selection does not change keep their object. */
export function withSelection(nodes: readonly CanvasNode[], ids: Iterable<string>): CanvasNode[] {
  const chosen = new Set(ids);
  return nodes.map((n) => (chosen.has(n.id) === (n.selected === true) ? n : { ...n, selected: chosen.has(n.id) }));
}
