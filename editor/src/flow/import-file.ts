import { checkFlow, registryFromManifests } from '@nexusflow/engine/browser';
import type { FlowDocument, PluginManifest } from '@nexusflow/schemas';

export interface ImportProblem {
  pointer: string;
  message: string;
}

export type ImportResult = { ok: true; document: FlowDocument; renamed: boolean } | { ok: false; problems: ImportProblem[] };

/**
 * Reads an imported flow file into the flow being edited: the same checks as the server, every
 * problem listed, and nothing changed when there is one. A valid file keeps the current flow's id,
 * so importing never creates or overwrites another flow.
 */
export function importFlowText(text: string, flowId: string, manifests: readonly PluginManifest[]): ImportResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ pointer: '/', message: `the file is not JSON: ${(error as Error).message}` }] };
  }
  const checked = checkFlow(parsed, { registry: registryFromManifests(manifests) });
  if (!checked.ok) return { ok: false, problems: checked.issues.map((i) => ({ pointer: i.pointer, message: i.message })) };
  const renamed = checked.value.id !== flowId;
  return { ok: true, document: { ...checked.value, id: flowId }, renamed };
}
