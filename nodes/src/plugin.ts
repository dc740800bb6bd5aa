import { definePlugin } from '@nexusflow/engine/sdk';
import { reply } from './core/reply/reply.js';
import { set } from './core/set/set.js';
import { llm } from './core/llm/llm.js';
import { billingCheck } from './core/billing-check/billing-check.js';
import { memory } from './core/memory/memory.js';
import { code } from './core/code/code.js';
import { httpRequest } from './core/http/http.js';
import { deploy } from './core/deploy/deploy.js';

/** Entry of the `core` plugin bundle: runs inside isolates like any plugin. */
export default definePlugin({
  nodes: {
    'core/reply': reply,
    'core/set': set,
    'core/llm': llm,
    'core/billing-check': billingCheck,
    'core/memory': memory,
    'core/code': code,
    'core/http': httpRequest,
    'core/deploy': deploy,
  },
});
