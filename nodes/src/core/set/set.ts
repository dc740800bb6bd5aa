import { defineNode } from '@nexusflow/engine/sdk';

/** Templates in `vars` are rendered by the engine before `run`; the node hands them back as variables. */
export const set = defineNode<{ vars: Record<string, unknown> }>({
  run({ config }) {
    return { port: 'out', vars: config.vars, output: config.vars };
  },
});
