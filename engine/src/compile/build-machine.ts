import { createMachine, type AnyStateMachine } from 'xstate';
import type { FlowDocument } from '@nexusflow/schemas';
import { END, ERROR_PORT } from '../nodes/native-types.js';

/** State of a session between runs. `$` cannot appear in a node id, so these never collide. */
export const IDLE_STATE = '$idle';
/** State after a step failed with no `error` edge; the next message starts at the trigger again. */
export const FAILED_STATE = '$failed';

export const MESSAGE_EVENT = 'nexus.message';
export const END_EVENT = 'nexus.end';

/** Event a node sends when it leaves through `port`. */
export function portEvent(port: string): string {
  return `port.${port}`;
}

type Transitions = Record<string, string>;

/**
 * One XState state per node; each output port is a transition to the node its edge enters, or to
 * the idle state when the port has no edge (the run ends). An unwired `error` port leads to the
 * failed state.
 */
export function buildMachine(
  flow: FlowDocument,
  triggerId: string,
  portsOf: (nodeIndex: number) => readonly string[],
): AnyStateMachine {
  const targets = new Map<string, string>();
  for (const edge of flow.edges) targets.set(`${edge.source}\u0000${edge.port}`, edge.target);

  const states: Record<string, { on: Transitions; description?: string }> = {
    [IDLE_STATE]: { on: { [MESSAGE_EVENT]: triggerId }, description: 'between runs' },
    [FAILED_STATE]: { on: { [MESSAGE_EVENT]: triggerId }, description: 'the last run failed' },
  };
  flow.nodes.forEach((node, index) => {
    const on: Transitions = {};
    for (const port of portsOf(index)) on[portEvent(port)] = targets.get(`${node.id}\u0000${port}`) ?? IDLE_STATE;
    on[portEvent(ERROR_PORT)] = targets.get(`${node.id}\u0000${ERROR_PORT}`) ?? FAILED_STATE;
    if (node.type === END) on[END_EVENT] = IDLE_STATE;
    states[node.id] = { on, description: node.type };
  });
  return createMachine({ id: flow.id, initial: IDLE_STATE, states });
}
