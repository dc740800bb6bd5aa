import { FlowSerializationError } from '../errors.js';
import { MAX_NESTING_DEPTH, type FlowDocument } from '../types/flow.js';
import { shortenPointer } from '../validate/describe.js';
import { escapePointerSegment } from '../validate/json-pointer.js';

/** The structures whose keys get a canonical order; everything else keeps its own order. */
type Shape = 'document' | 'node-list' | 'node' | 'position' | 'edge-list' | 'edge' | 'free';

const KEY_ORDER: Partial<Record<Shape, readonly string[]>> = {
  document: ['format', 'id', 'name', 'description', 'variables', 'plugins', 'nodes', 'edges', 'meta'],
  node: ['id', 'type', 'label', 'position', 'config'],
  edge: ['id', 'source', 'port', 'target'],
  position: ['x', 'y'],
};

const CHILD_SHAPES: Partial<Record<Shape, Readonly<Record<string, Shape>>>> = {
  document: { nodes: 'node-list', edges: 'edge-list' },
  node: { position: 'position' },
};

type Entry = [key: string, value: unknown];

/** An object or array being written; its depth is its place on the stack. */
interface Frame {
  source: object;
  entries: Entry[];
  isArray: boolean;
  index: number;
  shape: Shape;
}

/**
 * Writes a flow document as its stable export: the document, nodes, edges and positions with
 * their keys in a canonical order, everything else (config, variables, meta) in its own order,
 * 2-space indent and a trailing newline. The same flow always exports to the same bytes, so
 * `serializeFlow(JSON.parse(serializeFlow(flow)))` equals `serializeFlow(flow)`.
 *
 * Like `JSON.stringify`, it drops `undefined` properties, writes `null` for non-finite numbers
 * and uses `toJSON`. It never recurses, and it refuses (throws `FlowSerializationError`) a
 * document nested deeper than 64 levels: no valid flow is, and its indented text would grow with
 * the square of the depth (10,000 levels would be about 100 MB of spaces). It also refuses
 * circular documents and bigints.
 *
 * @example
 * await writeFile('support-bot.json', serializeFlow(flow));
 */
export function serializeFlow(doc: FlowDocument): string {
  let out = '';
  const quotedKeys = new Map<string, string>();
  const stack: Frame[] = [];
  const onPath = new Set<object>();
  // The stack is the path to the value being written, so pointers are built only for errors.
  const pointerHere = (): string => stack.map((frame) => `/${escapePointerSegment((frame.entries[frame.index - 1] as Entry)[0])}`).join('');
  const write = (value: unknown, shape: Shape): void => {
    if (typeof value !== 'object' || value === null) {
      out += writePrimitive(value, pointerHere);
      return;
    }
    if (onPath.has(value)) {
      const pointer = pointerHere();
      throw new FlowSerializationError('not_json', pointer, `circular reference at ${shortenPointer(pointer)}; a flow must be a tree of JSON values`);
    }
    const isArray = Array.isArray(value);
    const entries = isArray ? arrayEntries(value) : objectEntries(value, shape);
    if (entries.length === 0) {
      out += isArray ? '[]' : '{}';
      return;
    }
    if (stack.length + 1 > MAX_NESTING_DEPTH) {
      const deep = `${pointerHere()}/${escapePointerSegment((entries[0] as Entry)[0])}`;
      throw new FlowSerializationError('nesting_too_deep', deep, `nesting deeper than ${MAX_NESTING_DEPTH} levels at ${shortenPointer(deep)}; flatten this value before exporting`);
    }
    out += isArray ? '[' : '{';
    onPath.add(value);
    stack.push({ source: value, entries, isArray, index: 0, shape });
  };

  write(doc, 'document');
  while (stack.length > 0) {
    const frame = stack.at(-1) as Frame;
    const entry = frame.entries[frame.index++];
    if (entry === undefined) {
      stack.pop();
      onPath.delete(frame.source);
      out += `\n${indent(stack.length)}${frame.isArray ? ']' : '}'}`;
      continue;
    }
    const [key, value] = entry;
    out += `${frame.index > 1 ? ',\n' : '\n'}${indent(stack.length)}`;
    if (!frame.isArray) {
      let quoted = quotedKeys.get(key);
      if (quoted === undefined) quotedKeys.set(key, (quoted = `${JSON.stringify(key)}: `));
      out += quoted;
    }
    write(value, childShape(frame.shape, key));
  }
  return `${out}\n`;
}

function childShape(shape: Shape, key: string): Shape {
  if (shape === 'node-list') return 'node';
  if (shape === 'edge-list') return 'edge';
  return CHILD_SHAPES[shape]?.[key] ?? 'free';
}

function objectEntries(value: object, shape: Shape): Entry[] {
  const keys = Object.keys(value);
  const order = KEY_ORDER[shape];
  const ordered = order === undefined ? keys : [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))];
  const entries: Entry[] = [];
  for (const key of ordered) {
    const item = toJsonValue((value as Record<string, unknown>)[key], key);
    if (!isOmitted(item)) entries.push([key, item]);
  }
  return entries;
}

function arrayEntries(value: readonly unknown[]): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < value.length; i++) {
    const item = toJsonValue(value[i], String(i));
    entries.push([String(i), isOmitted(item) ? null : item]);
  }
  return entries;
}

function toJsonValue(value: unknown, key: string): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  return value;
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function writePrimitive(value: unknown, pointerHere: () => string): string {
  if (typeof value === 'bigint') {
    const pointer = pointerHere();
    throw new FlowSerializationError('not_json', pointer, `a bigint at ${shortenPointer(pointer)} cannot be written as JSON; use a number or a string`);
  }
  return JSON.stringify(value) ?? 'null';
}

const indents: string[] = [];
function indent(depth: number): string {
  return (indents[depth] ??= '  '.repeat(depth));
}
