import type { CapabilityContext } from '@nexusflow/engine';

const sequences = new WeakMap<CapabilityContext, Map<string, number>>();

/**
 * The n-th call of one kind within a step attempt (0, 1, 2 ...). The runtime gives every attempt
 * its own context object, so a re-run step numbers its calls the same way and the idempotency keys
 * built from them repeat exactly.
 */
export function nextCallIndex(context: CapabilityContext, kind: string): number {
  let counters = sequences.get(context);
  if (counters === undefined) sequences.set(context, (counters = new Map()));
  const index = counters.get(kind) ?? 0;
  counters.set(kind, index + 1);
  return index;
}

/** Idempotency key of the n-th call of a kind within a step: stable across re-runs. */
export function callKey(context: CapabilityContext, kind: string): string {
  return `${context.idempotencyKey}/${kind}/${nextCallIndex(context, kind)}`;
}
