import { definePlugin } from '@nexusflow/engine/sdk';
import { reply } from './core/reply/reply.js';
import { set } from './core/set/set.js';

/** Entry of the `core` plugin bundle: runs inside isolates like any plugin. */
export default definePlugin({
  nodes: {
    'core/reply': reply,
    'core/set': set,
  },
});
