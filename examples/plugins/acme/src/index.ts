import { definePlugin } from '@nexusflow/engine/sdk';
import { sentiment } from './sentiment.js';
import { visitCounter } from './visit-counter.js';

export default definePlugin({
  nodes: {
    'acme/sentiment': sentiment,
    'acme/visit-counter': visitCounter,
  },
});
