import type { FlowDocument } from '@nexusflow/schemas';

/**
 * The example flows of the repository (examples/flows/*.json), bundled into the editor so a new
 * flow can start from one. The server has no examples route; these are the same files its
 * examples test runs.
 */
const modules = import.meta.glob<FlowDocument>('../../../examples/flows/*.json', { eager: true, import: 'default' });

export interface ExampleFlow {
  /** The example's flow id, e.g. `echo-bot`. */
  id: string;
  name: string;
  description: string;
  /** Plugins the flow needs beyond the built-in ones (from its `plugins` field). */
  plugins: string[];
  document: FlowDocument;
}

export const EXAMPLE_FLOWS: readonly ExampleFlow[] = Object.values(modules)
  .filter((document): document is FlowDocument => typeof document === 'object' && document !== null && typeof document.id === 'string')
  .map((document) => ({
    id: document.id,
    name: document.name,
    description: document.description ?? '',
    plugins: Object.keys(document.plugins ?? {}),
    document,
  }))
  .sort((a, b) => a.name.localeCompare(b.name));

/** `base`, else `base-2`, `base-3` ... : the first id not in `taken` (ids are at most 64 characters). */
export function freeFlowId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; n < 1000; n += 1) {
    const suffix = `-${n}`;
    const id = `${base.slice(0, 64 - suffix.length)}${suffix}`;
    if (!taken.has(id)) return id;
  }
  return `${base.slice(0, 55)}-${Date.now().toString(36)}`;
}

/** A copy of an example with an id the workspace does not use yet. */
export function exampleDocument(example: ExampleFlow, takenIds: ReadonlySet<string>): FlowDocument {
  return { ...structuredClone(example.document), id: freeFlowId(example.id, takenIds) };
}
